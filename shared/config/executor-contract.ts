import { SluiceError } from '../errors.js';

/**
 * What the scheduler hands the Sluice executor, in one place for both sides: the environment of
 * the ExecutorInfo (Mesos adds its own MESOS_* variables beside these), written with
 * `executorEnvironment` and read with `readExecutorSettings`, and the JSON in TaskInfo.data.
 */
export const EXECUTOR_ENVIRONMENT = {
  /** The job config file, relative to the sandbox (inside the fetched bundle) or absolute. */
  jobConfig: 'SLUICE_JOB_CONFIG',
  zookeeper: 'SLUICE_ZOOKEEPER',
  kafkaBrokers: 'SLUICE_KAFKA_BROKERS',
  /** Where stores live: a persistent volume's path in the sandbox, or a host state dir. */
  stateDir: 'SLUICE_STATE_DIR',
  /** Comma-separated: Mesos sets PORT0… only for its own executors, not for custom ones. */
  ports: 'SLUICE_PORTS',
} as const;

/** What the executor learns from the scheduler through its environment. */
export interface ExecutorSettings {
  readonly jobConfig: string;
  readonly zookeeper: string;
  /** host:port of each broker; empty: the job config's kafka.brokers. */
  readonly kafkaBrokers: readonly string[];
  readonly stateDir: string;
  /** The ports the scheduler reserved for the container, in offer order. */
  readonly ports: readonly number[];
}

/** The scheduler's side: the ExecutorInfo's environment variables. */
export function executorEnvironment(settings: ExecutorSettings): { name: string; value: string }[] {
  return [
    { name: EXECUTOR_ENVIRONMENT.jobConfig, value: settings.jobConfig },
    { name: EXECUTOR_ENVIRONMENT.zookeeper, value: settings.zookeeper },
    { name: EXECUTOR_ENVIRONMENT.kafkaBrokers, value: settings.kafkaBrokers.join(',') },
    { name: EXECUTOR_ENVIRONMENT.stateDir, value: settings.stateDir },
    { name: EXECUTOR_ENVIRONMENT.ports, value: settings.ports.join(',') },
  ];
}

/** The executor's side: reads and checks what `executorEnvironment` wrote. */
export function readExecutorSettings(env: NodeJS.ProcessEnv): ExecutorSettings {
  const required = (name: string, what: string): string => {
    const value = env[name];
    if (!value)
      throw new SluiceError('EXECUTOR_BAD_ENVIRONMENT', `${name} is not set: the scheduler names ${what} in the executor's environment`);
    return value;
  };
  const list = (name: string): string[] => (env[name] ?? '').split(',').filter((item) => item !== '');
  const ports = list(EXECUTOR_ENVIRONMENT.ports).map(Number);
  const badPort = ports.find((port) => !Number.isInteger(port) || port <= 0 || port > 65_535);
  if (badPort !== undefined) {
    throw new SluiceError(
      'EXECUTOR_BAD_ENVIRONMENT',
      `${EXECUTOR_ENVIRONMENT.ports}=${JSON.stringify(env[EXECUTOR_ENVIRONMENT.ports])} is not a comma-separated list of ports`,
    );
  }
  return {
    jobConfig: required(EXECUTOR_ENVIRONMENT.jobConfig, 'the job config'),
    zookeeper: required(EXECUTOR_ENVIRONMENT.zookeeper, "the job's ZooKeeper"),
    kafkaBrokers: list(EXECUTOR_ENVIRONMENT.kafkaBrokers),
    stateDir: env[EXECUTOR_ENVIRONMENT.stateDir] ?? '',
    ports,
  };
}

/** TaskInfo.data: which container of which job model version the task runs. */
export interface TaskData {
  readonly container: string;
  readonly jobModelVersion: number;
}

export function encodeTaskData(data: TaskData): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ container: data.container, jobModelVersion: data.jobModelVersion }));
}

export function decodeTaskData(bytes: Uint8Array | undefined, taskId: string): TaskData {
  let parsed: Partial<TaskData> | undefined;
  try {
    parsed = JSON.parse(Buffer.from(bytes ?? new Uint8Array()).toString('utf8')) as Partial<TaskData>;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed?.container !== 'string' || typeof parsed.jobModelVersion !== 'number') {
    throw new SluiceError('EXECUTOR_BAD_TASK', `task ${taskId} has no {"container", "jobModelVersion"} JSON in its data`, {
      context: { task: taskId },
    });
  }
  return { container: parsed.container, jobModelVersion: parsed.jobModelVersion };
}

/**
 * What a running container reports at `GET <url>/status` (its URL is in its ZooKeeper registration
 * node): the scheduler merges these into its job state, the dashboard draws them.
 */
export interface ContainerStatusReport {
  readonly container: string;
  /** The job model version the container runs on; null while it waits for one that names it. */
  readonly jobModelVersion: number | null;
  /** Messages processed since the process started (across restarts of its tasks on new models). */
  readonly processedTotal: number;
  /** When the report was made (ms since the epoch). */
  readonly at: number;
  readonly tasks: readonly TaskStatusReport[];
  /** The standby replicas it keeps (task.standbys); absent from containers older than standbys. */
  readonly standbys?: readonly StandbyStatusReport[];
}

export interface StandbyStatusReport {
  /** The task whose stores it copies. */
  readonly name: string;
  /**
   * Changelog records its owner wrote past the copy at the last pass, the most a move here would
   * replay; null before the first pass (or while the task has no checkpoint).
   */
  readonly lag: number | null;
  /** When the last pass ended (ms since the epoch); null before the first. */
  readonly caughtUpAt: number | null;
}

export interface TaskStatusReport {
  readonly name: string;
  /** 'restoring' before the task exists, then the task lifecycle state (running, stopping, …). */
  readonly state: string;
  readonly processed: number;
  /** Messages behind the ends of its partitions, from the last fetched batch; null before the first. */
  readonly lag: number | null;
  /**
   * Changelog records replayed into its stores and planned in all, and whether a store was rebuilt
   * from the start of its changelog (no usable local DB) rather than its local DB kept and only the
   * tail replayed; null when nothing was replayed.
   */
  readonly restore: { readonly done: number; readonly total: number; readonly rebuilt: boolean } | null;
}
