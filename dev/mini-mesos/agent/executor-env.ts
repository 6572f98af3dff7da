/**
 * The environment an agent gives an executor (src/slave/slave.cpp `executorEnvironment`, plus
 * MESOS_SANDBOX from the Mesos containerizer). Without `--executor_environment_variables` the
 * executor inherits the agent's own environment, so ours starts from this process's. The
 * CommandInfo's variables come last and win, as in Mesos.
 */
import type { CommandInfo } from '../../../shared/mesos/index.js';

export interface ExecutorEnvironmentInput {
  frameworkId: string;
  executorId: string;
  agentId: string;
  directory: string;
  /** The agent's address: its loopback hostname and port. */
  agentHost: string;
  agentPort: number;
  /** FrameworkInfo.checkpoint. */
  checkpoint: boolean;
  shutdownGracePeriodMs: number;
  command: CommandInfo;
  /** The executor's JWT when the agent has an executor secret key (executor-tokens.ts). */
  authenticationToken: string | undefined;
}

/** Mesos's `--recovery_timeout` default. */
const RECOVERY_TIMEOUT_MS = 15 * 60_000;
/** Mesos's `--executor_reregistration_timeout` default, handed to executors as their backoff cap. */
const SUBSCRIPTION_BACKOFF_MAX_MS = 2000;

export function executorEnvironment(input: ExecutorEnvironmentInput): NodeJS.ProcessEnv {
  const endpoint = `${input.agentHost}:${input.agentPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LIBPROCESS_PORT: '0',
    MESOS_FRAMEWORK_ID: input.frameworkId,
    MESOS_EXECUTOR_ID: input.executorId,
    MESOS_DIRECTORY: input.directory,
    MESOS_SANDBOX: input.directory,
    MESOS_SLAVE_ID: input.agentId,
    MESOS_SLAVE_PID: `slave(1)@${endpoint}`,
    MESOS_AGENT_ENDPOINT: endpoint,
    MESOS_CHECKPOINT: input.checkpoint ? '1' : '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: formatDuration(input.shutdownGracePeriodMs),
  };
  if (input.authenticationToken !== undefined) env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN = input.authenticationToken;
  if (input.checkpoint) {
    env.MESOS_RECOVERY_TIMEOUT = formatDuration(RECOVERY_TIMEOUT_MS);
    env.MESOS_SUBSCRIPTION_BACKOFF_MAX = formatDuration(SUBSCRIPTION_BACKOFF_MAX_MS);
  }
  for (const variable of input.command.environment?.variables ?? []) {
    if (variable.type === 'SECRET')
      throw new Error(`environment variable '${variable.name}' is a SECRET, which the mini Mesos does not resolve`);
    env[variable.name] = variable.value ?? '';
  }
  return env;
}

const UNITS: ReadonlyArray<[number, string]> = [
  [7 * 24 * 3_600_000, 'weeks'],
  [24 * 3_600_000, 'days'],
  [3_600_000, 'hrs'],
  [60_000, 'mins'],
  [1000, 'secs'],
  [1, 'ms'],
];

/**
 * stout's Duration printing: the largest unit the duration reaches, except that a value that is
 * not whole in it but whole one unit down uses that smaller unit ("90secs", not "1.5mins").
 */
export function formatDuration(ms: number): string {
  const index = UNITS.findIndex(([size]) => ms >= size);
  if (index === -1) return `${ms}ms`;
  const [size, name] = UNITS[index] as [number, string];
  const smaller = UNITS[index + 1];
  if (ms % size !== 0 && smaller !== undefined && ms % smaller[0] === 0) return `${ms / smaller[0]}${smaller[1]}`;
  return `${Number((ms / size).toPrecision(15))}${name}`;
}
