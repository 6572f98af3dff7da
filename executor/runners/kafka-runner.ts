import { readContainerApiSecurity } from '../../shared/http/secret-files.js';
import type { CompiledJobConfig } from '../../shared/config/job-config.js';
import type { TaskOwnership } from '../../shared/coordination/task-ownership.js';
import { createKafka, kafkaPrincipal } from '../../shared/kafka/client.js';
import { namingRefusals } from '../../shared/kafka/errors.js';
import { readZkCredentials } from '../../shared/coordination/zk-credentials.js';
import { partitionCount } from '../../shared/kafka/topics.js';
import { createLogger } from '../../shared/log.js';
import type { JobModel } from '../../shared/model/job-model.js';
import { startContainer, type RunningContainer } from '../container/container.js';
import type { StatusBoard } from '../container/status-board.js';
import { CoordinatedContainer } from './coordinated-container.js';
import { listenForStop, startAll, waitForAll, type StopRequest } from './run-containers.js';
import { jobModelFor, loadJobBinding, type JobBinding } from '../job/job-binding.js';
import { KafkaSystem } from '../systems/kafka/kafka-system.js';

/** The job model of a job on Kafka: its config and the partition counts of its input topics. */
export async function kafkaJobModel(config: CompiledJobConfig, brokers: readonly string[]): Promise<JobModel> {
  const kafka = createKafka({ brokers, clientId: `sluice-${config.name}-planner`, security: config.kafka.security });
  const admin = kafka.admin();
  await namingRefusals({}, kafkaPrincipal(kafka), () => admin.connect());
  try {
    const counts = new Map<string, number>();
    for (const input of config.inputs) counts.set(input.topic, await partitionCount(admin, input.topic, 'an input', kafkaPrincipal(kafka)));
    return jobModelFor(config, counts);
  } finally {
    await admin.disconnect();
  }
}

/** One container of a job on Kafka, with its own Kafka connections (closed again if it fails to start). */
export async function startKafkaContainer(input: {
  readonly binding: JobBinding;
  readonly jobModel: JobModel;
  readonly containerId: string;
  readonly brokers: readonly string[];
  readonly status?: StatusBoard;
  readonly ownership?: TaskOwnership;
  /** See ContainerOptions.keepStandbys. */
  readonly keepStandbys?: boolean;
}): Promise<RunningContainer> {
  const { binding, jobModel, containerId, brokers, status, ownership, keepStandbys } = input;
  const { config } = binding;
  const logger = createLogger({ job: config.name, container: containerId });
  const system = await KafkaSystem.connect({
    brokers,
    job: config.name,
    containerId,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    security: config.kafka.security,
    guarantee: config.task.guarantee,
    logger,
  });
  try {
    return await startContainer({ binding, jobModel, containerId, system, logger, status, ownership, keepStandbys });
  } catch (error) {
    await system.close();
    throw error;
  }
}

/**
 * A container that follows the job model in ZooKeeper (written by the scheduler) and hands its
 * tasks over when the model changes; see coordinated-container.ts.
 */
export async function startCoordinatedKafkaContainer(input: {
  readonly binding: JobBinding;
  readonly containerId: string;
  readonly brokers: readonly string[];
  readonly zookeeper: string;
  /** Where the status endpoint listens (default 127.0.0.1, any free port). */
  readonly http?: { readonly host: string; readonly port: number };
}): Promise<CoordinatedContainer> {
  const { binding, containerId, brokers, zookeeper } = input;
  const { config } = binding;
  const zookeeperAuth = await readZkCredentials(config.zookeeper);
  // The job's api section: HTTPS and the read token, from files on this host.
  const security = await readContainerApiSecurity(config.api);
  return CoordinatedContainer.start({
    job: config.name,
    containerId,
    zookeeper,
    ...(zookeeperAuth === undefined ? {} : { zookeeperAuth }),
    http: { ...(input.http ?? { host: '127.0.0.1', port: 0 }), security },
    logger: createLogger({ job: config.name, container: containerId, component: 'coordinated-container' }),
    // A coordinated container runs in a process of its own (an executor, or `sluice run --container`), with its own state dir.
    start: (jobModel, status, ownership) =>
      startKafkaContainer({ binding, jobModel, containerId, brokers, status, ownership, keepStandbys: true }),
  });
}

export interface KafkaRunOptions {
  /** Run only these containers (one per process is how the tests and Mesos run them). */
  readonly only?: readonly string[];
  /** Follow the job model in this ZooKeeper instead of planning a fixed one from the config. */
  readonly zookeeper?: string;
}

/**
 * Runs containers of a job on a real Kafka, in this process: all containers of the job model, or
 * only the given ones. Returns when they stop: on SIGINT/SIGTERM (after a clean commit), when one
 * fails, or (following ZooKeeper) when the job model no longer names them.
 */
export async function runOnKafka(config: CompiledJobConfig, brokers: readonly string[], options: KafkaRunOptions = {}): Promise<void> {
  const stop = listenForStop();
  try {
    if (options.zookeeper === undefined) await runUntilStopped(config, brokers, options.only, stop);
    else await followUntilStopped(config, brokers, options.only ?? [], options.zookeeper, stop);
  } finally {
    stop.dispose();
  }
}

async function followUntilStopped(
  config: CompiledJobConfig,
  brokers: readonly string[],
  ids: readonly string[],
  zookeeper: string,
  stop: StopRequest,
): Promise<void> {
  const binding = await loadJobBinding(config);
  const containers = await startAll(
    ids,
    (containerId) => startCoordinatedKafkaContainer({ binding, containerId, brokers, zookeeper }),
    stop,
  );
  await waitForAll(containers);
}

async function runUntilStopped(
  config: CompiledJobConfig,
  brokers: readonly string[],
  only: readonly string[] | undefined,
  stop: StopRequest,
): Promise<void> {
  const jobModel = await kafkaJobModel(config, brokers);
  if (stop.requested) return;
  const binding = await loadJobBinding(config);
  const ids = only ?? jobModel.containers.map((container) => container.id);
  createLogger({ job: config.name, component: 'runner' }).info('starting containers', {
    containers: ids,
    jobModelVersion: jobModel.version,
  });
  const containers = await startAll(
    jobModel.containers.map((container) => container.id).filter((id) => ids.includes(id)),
    (containerId) => startKafkaContainer({ binding, jobModel, containerId, brokers }),
    stop,
  );
  await waitForAll(containers);
}
