import { resolve } from 'node:path';
import { EXECUTOR_ENVIRONMENT } from '../../shared/config/executor-contract.js';
import { loadJobConfig } from '../../shared/config/job-config.js';
import { SluiceError } from '../../shared/errors.js';
import { createLogger } from '../../shared/log.js';
import { startCoordinatedKafkaContainer } from '../../executor/runners/kafka-runner.js';
import { loadJobBinding } from '../../executor/job/job-binding.js';
import { AgentClient } from '../../executor/mesos/agent-client.js';
import { readExecutorEnvironment } from '../../executor/mesos/executor-environment.js';
import { MesosExecutor } from '../../executor/mesos/mesos-executor.js';
import { ExitCode, UsageError, type Command } from './cli.js';

export const executorCommand: Command = {
  name: 'executor',
  summary: 'the Mesos executor (started by a Mesos agent, not by hand)',
  usage: [
    'Usage: sluice executor',
    '',
    'Runs as a Mesos executor: subscribes to the agent named by the MESOS_* environment, and runs',
    'the container each launched task names in its data ({"container", "jobModelVersion"}). The',
    'container follows the job model the scheduler keeps in ZooKeeper (hand-over on rescale).',
    '',
    'Environment (set by the scheduler in the ExecutorInfo):',
    `  ${EXECUTOR_ENVIRONMENT.jobConfig}     the job config file, relative to the sandbox or absolute (required)`,
    `  ${EXECUTOR_ENVIRONMENT.zookeeper}      host:port[,host:port][/chroot] of the job's ZooKeeper (required); its`,
    "                        credentials are the job config's zookeeper.auth (a password file on the agent)",
    `  ${EXECUTOR_ENVIRONMENT.kafkaBrokers}  host:port[,host:port] (default: the config's kafka.brokers)`,
    `  ${EXECUTOR_ENVIRONMENT.stateDir}      where stores live, e.g. a persistent volume (default: the config's state-dir)`,
    '',
    "With the job config's api section the container's status endpoint serves HTTPS (api.tls) and needs",
    'the read token (api.read-token-file): files on this agent, see docs/security.md.',
  ].join('\n'),
  options: {},
  async run({ positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const env = readExecutorEnvironment(process.env);
    // Only the agent client needs the token: the job's code and any process it starts do not see it.
    delete process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN;
    const loaded = await loadJobConfig(env.settings.jobConfig);
    const config = env.settings.stateDir ? { ...loaded, stateDir: resolve(env.settings.stateDir) } : loaded;
    const brokers = env.settings.kafkaBrokers.length > 0 ? env.settings.kafkaBrokers : config.kafka.brokers;
    if (!brokers)
      throw new SluiceError(
        'EXECUTOR_BAD_ENVIRONMENT',
        `no Kafka brokers: set ${EXECUTOR_ENVIRONMENT.kafkaBrokers} or kafka.brokers in the job config`,
      );
    const { zookeeper } = env.settings;
    const logger = createLogger({ job: config.name, component: 'mesos-executor', executor: env.executorId });
    const binding = await loadJobBinding(config);
    const client = new AgentClient(env, logger);
    const executor = new MesosExecutor(
      client,
      ({ container }) => startCoordinatedKafkaContainer({ binding, containerId: container, brokers, zookeeper, http: env.statusListen }),
      logger,
      env.executorId,
    );
    const onSignal = () => {
      // The agent sends SIGTERM after SHUTDOWN's grace period; leave before its SIGKILL.
      setTimeout(() => process.exit(ExitCode.failed), env.shutdownGracePeriodMs).unref();
      void executor.shutdown();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    await executor.run();
    // The process ends with its last task, now: whatever a failed container could not close (a hung
    // client or a store lock) must not outlive it, or the next launch on this agent finds it held.
    process.exit(ExitCode.ok);
  },
};
