import type { Job } from '../shared/api/define-job.js';
import type { CompiledJobConfig } from '../shared/config/job-config.js';
import { createKafka } from '../shared/kafka/client.js';
import { partitionCount } from '../shared/kafka/topics.js';
import { createLogger } from '../shared/log.js';
import type { JobModel } from '../shared/model/job-model.js';
import { startContainer, type RunningContainer } from './container/container.js';
import { listenForStop, startAll, waitForAll, type StopRequest } from './container/run-containers.js';
import { loadJob } from './load-job.js';
import { jobModelFor } from './local.js';
import { KafkaSystem } from './system/kafka-system.js';

/** The job model of a job on Kafka: its config and the partition counts of its input topics. */
export async function kafkaJobModel(config: CompiledJobConfig, brokers: readonly string[]): Promise<JobModel> {
  const admin = createKafka({ brokers, clientId: `sluice-${config.name}-planner` }).admin();
  await admin.connect();
  try {
    const counts = new Map<string, number>();
    for (const input of config.inputs) counts.set(input.topic, await partitionCount(admin, input.topic, 'an input'));
    return jobModelFor(config, counts);
  } finally {
    await admin.disconnect();
  }
}

/** One container of a job on Kafka, with its own Kafka connections (closed again if it fails to start). */
export async function startKafkaContainer(input: {
  readonly config: CompiledJobConfig;
  readonly job: Job;
  readonly jobModel: JobModel;
  readonly containerId: string;
  readonly brokers: readonly string[];
}): Promise<RunningContainer> {
  const { config, job, jobModel, containerId, brokers } = input;
  const logger = createLogger({ job: config.name, container: containerId });
  const system = await KafkaSystem.connect({ brokers, job: config.name, containerId, jobModel: () => jobModel, sessionTimeoutMs: config.kafka.sessionTimeoutMs, logger });
  try {
    return await startContainer({ config, job, jobModel, containerId, system, logger });
  } catch (error) {
    await system.close();
    throw error;
  }
}

/**
 * Runs containers of a job on a real Kafka, in this process: all containers of the job model, or
 * only the given ones (one per process is how the tests run them). Returns when they stop: on
 * SIGINT/SIGTERM (after a clean commit) or when one fails.
 */
export async function runOnKafka(config: CompiledJobConfig, brokers: readonly string[], only?: readonly string[]): Promise<void> {
  const stop = listenForStop();
  try {
    await runUntilStopped(config, brokers, only, stop);
  } finally {
    stop.dispose();
  }
}

async function runUntilStopped(config: CompiledJobConfig, brokers: readonly string[], only: readonly string[] | undefined, stop: StopRequest): Promise<void> {
  const jobModel = await kafkaJobModel(config, brokers);
  if (stop.requested) return;
  const job = await loadJob(config.modulePath);
  const ids = only ?? jobModel.containers.map((container) => container.id);
  createLogger({ job: config.name, component: 'runner' }).info('starting containers', { containers: ids, jobModelVersion: jobModel.version });
  const model = { ...jobModel, containers: jobModel.containers.filter((container) => ids.includes(container.id)) };
  const containers = await startAll(model, (containerId) => startKafkaContainer({ config, job, jobModel, containerId, brokers }), stop);
  await waitForAll(containers);
}
