import { SluiceError } from '../../shared/errors.js';
import { readExecutorSettings, type ExecutorSettings } from '../../shared/config/executor-contract.js';

/**
 * What an executor is told through its environment, read once and checked: the Mesos agent's MESOS_*
 * variables and the scheduler's settings (shared/config/executor-contract.ts).
 */
export interface ExecutorEnvironment {
  readonly settings: ExecutorSettings;
  /** `http://<MESOS_AGENT_ENDPOINT>/api/v1/executor`. */
  readonly agentUrl: string;
  readonly frameworkId: string;
  readonly executorId: string;
  readonly sandbox: string;
  /** With agent checkpointing the executor reconnects after an agent restart, within the recovery timeout. */
  readonly checkpoint: boolean;
  readonly recoveryTimeoutMs: number;
  readonly subscriptionBackoffMaxMs: number;
  readonly shutdownGracePeriodMs: number;
  /** Sent as `Authorization: Bearer …` when the agent requires executor authentication. */
  readonly authToken: string | undefined;
  /**
   * Where the container's status endpoint listens: the agent's address (reachable by the
   * scheduler) and the first port the scheduler reserved for it (SLUICE_PORTS), else any free one.
   */
  readonly statusListen: { readonly host: string; readonly port: number };
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/** Parses a Mesos duration such as `5secs`, `15mins`, `100ms` or `2.5secs` into milliseconds. */
export function parseMesosDuration(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ns|us|ms|secs|mins|hrs|days|weeks)$/.exec(text.trim());
  if (!match)
    throw new SluiceError(
      'EXECUTOR_BAD_ENVIRONMENT',
      `${name}=${JSON.stringify(text)} is not a Mesos duration (like 5secs, 15mins, 100ms)`,
    );
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

export function readExecutorEnvironment(env: NodeJS.ProcessEnv): ExecutorEnvironment {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) {
      throw new SluiceError(
        'EXECUTOR_BAD_ENVIRONMENT',
        `${name} is not set: \`sluice executor\` is started by a Mesos agent, which sets the MESOS_* variables`,
      );
    }
    return value;
  };
  const duration = (name: string, fallback: string) => parseMesosDuration(env[name] ?? fallback, name);
  const endpoint = required('MESOS_AGENT_ENDPOINT');
  const settings = readExecutorSettings(env);
  return {
    settings,
    agentUrl: `http://${endpoint}/api/v1/executor`,
    statusListen: { host: endpoint.replace(/:\d+$/, ''), port: settings.ports[0] ?? 0 },
    frameworkId: required('MESOS_FRAMEWORK_ID'),
    executorId: required('MESOS_EXECUTOR_ID'),
    sandbox: env.MESOS_SANDBOX ?? required('MESOS_DIRECTORY'),
    checkpoint: env.MESOS_CHECKPOINT === '1',
    recoveryTimeoutMs: duration('MESOS_RECOVERY_TIMEOUT', '15mins'),
    subscriptionBackoffMaxMs: duration('MESOS_SUBSCRIPTION_BACKOFF_MAX', '2secs'),
    shutdownGracePeriodMs: duration('MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD', '5secs'),
    authToken: env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN,
  };
}
