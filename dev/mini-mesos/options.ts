/**
 * What a test can tune in the mini Mesos, and the defaults. Defaults are real Mesos's (master
 * and agent flags of 1.11) so a double started without options behaves like a stock cluster;
 * tests shorten the intervals. Options are compiled once (defaults filled, values checked).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { compileAcls, type Acls, type CompiledAcls } from './master/acls.js';
import { compileCredentials, type Credential } from './master/framework-auth.js';
import { parseZkUrl, type ZkUrl } from './master/zk-registration.js';

export interface AgentResourcesOptions {
  /** Mesos agents detect the machine; the usual docker-compose setups give 1 or 2. */
  cpus?: number;
  /** MB; reference default 1024. */
  mem?: number;
  /** MB; reference default 10240. */
  disk?: number;
  /** Inclusive port range; Mesos's default `ports(*):[31000-32000]`. */
  ports?: [number, number];
}

export interface MiniMesosOptions {
  /** Number of agents, each on its own loopback address 127.0.0.2, 127.0.0.3, … (default 1). */
  agents?: number;
  /** Root of the agents' work dirs (sandboxes, volumes); agent i uses `<workDir>/agents/<hostname>`. */
  workDir: string;
  /** Master port on 127.0.0.1 (default 0: a free port). */
  port?: number;
  /**
   * `zk://host:port[,host:port]/path`, like the master's `--zk`: the master announces itself there
   * (ephemeral sequential `json.info_` znode with its JSON MasterInfo) for zk:// master detection.
   */
  zk?: string;
  resources?: AgentResourcesOptions;
  /** `--allocation_interval`, default 1 s. */
  allocationIntervalMs?: number;
  /** Master's heartbeat to schedulers, DEFAULT_HEARTBEAT_INTERVAL = 15 s. */
  heartbeatIntervalMs?: number;
  /** STATUS_UPDATE_RETRY_INTERVAL_MIN = 10 s; doubles up to `statusUpdateRetryMaxMs`. */
  statusUpdateRetryMs?: number;
  /** STATUS_UPDATE_RETRY_INTERVAL_MAX = 10 min. */
  statusUpdateRetryMaxMs?: number;
  /** `--executor_registration_timeout`, default 1 min. */
  executorRegistrationTimeoutMs?: number;
  /** `--executor_shutdown_grace_period`, default 5 s (ExecutorInfo.shutdown_grace_period wins). */
  executorShutdownGracePeriodMs?: number;
  /** HEARTBEAT events to subscribed executors: DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL = 30 min. */
  executorHeartbeatIntervalMs?: number;
  /** After SIGTERM at the end of the grace period, SIGKILL follows this much later. */
  killEscalationMs?: number;
  /** `--credentials`: the principals and secrets the master accepts (Mesos's JSON file holds `{"credentials": [...]}`). */
  credentials?: Credential[];
  /** `--authenticate_http_frameworks`: every scheduler API call needs HTTP basic auth with one of `credentials` (else 401). */
  authenticateHttpFrameworks?: boolean;
  /** `--acls`, only `register_frameworks` and `permissive`: which principals may subscribe with which roles. */
  acls?: Acls;
  /**
   * `--authenticate_http_executors`: the executor API needs the executor's own token
   * (MESOS_EXECUTOR_AUTHENTICATION_TOKEN) as `Authorization: Bearer` (else 401, or 403 for another executor's).
   */
  authenticateHttpExecutors?: boolean;
  /**
   * `--executor_secret_key`: signs the executors' tokens (HMAC-SHA256). Set, executors get tokens even
   * without `authenticateHttpExecutors` (Mesos's upgrade path); default with it: a random key.
   */
  executorSecretKey?: string;
}

export interface CompiledAuth {
  /** principal → secret. */
  credentials: ReadonlyMap<string, string>;
  authenticateHttpFrameworks: boolean;
  acls: CompiledAcls | undefined;
  authenticateHttpExecutors: boolean;
  /** Present when executors get tokens. */
  executorSecretKey: Buffer | undefined;
}

export interface CompiledOptions {
  agents: number;
  workDir: string;
  port: number;
  zk: ZkUrl | undefined;
  resources: Required<AgentResourcesOptions>;
  allocationIntervalMs: number;
  heartbeatIntervalMs: number;
  statusUpdateRetryMs: number;
  statusUpdateRetryMaxMs: number;
  executorRegistrationTimeoutMs: number;
  executorShutdownGracePeriodMs: number;
  executorHeartbeatIntervalMs: number;
  killEscalationMs: number;
  auth: CompiledAuth;
}

/** 127.0.0.2 … 127.0.0.254: one address per agent, all in 127/8 which Linux routes to lo. */
const MAX_AGENTS = 253;

export function compileOptions(options: MiniMesosOptions): CompiledOptions {
  const agents = options.agents ?? 1;
  if (!Number.isInteger(agents) || agents < 0 || agents > MAX_AGENTS) {
    throw new RangeError(`agents must be an integer in [0, ${MAX_AGENTS}], got ${agents}`);
  }
  if (typeof options.workDir !== 'string' || options.workDir === '') {
    throw new TypeError('workDir is required (a directory for sandboxes and volumes)');
  }
  const ports = options.resources?.ports ?? [31000, 32000];
  if (!(ports[0] >= 1 && ports[0] <= ports[1] && ports[1] <= 65535)) {
    throw new RangeError(`resources.ports must be [begin, end] within 1..65535, got [${ports.join(', ')}]`);
  }
  const compiled: CompiledOptions = {
    agents,
    workDir: path.resolve(options.workDir),
    port: options.port ?? 0,
    zk: options.zk === undefined ? undefined : parseZkUrl(options.zk),
    resources: {
      cpus: options.resources?.cpus ?? 1,
      mem: options.resources?.mem ?? 1024,
      disk: options.resources?.disk ?? 10240,
      ports,
    },
    allocationIntervalMs: options.allocationIntervalMs ?? 1000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 15_000,
    statusUpdateRetryMs: options.statusUpdateRetryMs ?? 10_000,
    statusUpdateRetryMaxMs: options.statusUpdateRetryMaxMs ?? 600_000,
    executorRegistrationTimeoutMs: options.executorRegistrationTimeoutMs ?? 60_000,
    executorShutdownGracePeriodMs: options.executorShutdownGracePeriodMs ?? 5000,
    executorHeartbeatIntervalMs: options.executorHeartbeatIntervalMs ?? 30 * 60_000,
    killEscalationMs: options.killEscalationMs ?? 1000,
    auth: compileAuth(options),
  };
  for (const key of [
    'allocationIntervalMs',
    'heartbeatIntervalMs',
    'statusUpdateRetryMs',
    'statusUpdateRetryMaxMs',
    'executorRegistrationTimeoutMs',
    'executorShutdownGracePeriodMs',
    'executorHeartbeatIntervalMs',
    'killEscalationMs',
  ] as const) {
    if (!(compiled[key] > 0)) throw new RangeError(`${key} must be a positive number of milliseconds, got ${compiled[key]}`);
  }
  for (const key of ['cpus', 'mem', 'disk'] as const) {
    if (!(compiled.resources[key] >= 0)) throw new RangeError(`resources.${key} must be >= 0, got ${compiled.resources[key]}`);
  }
  return compiled;
}

function compileAuth(options: MiniMesosOptions): CompiledAuth {
  const credentials = compileCredentials(options.credentials ?? []);
  const authenticateHttpFrameworks = options.authenticateHttpFrameworks ?? false;
  if (authenticateHttpFrameworks && credentials.size === 0)
    throw new TypeError('authenticateHttpFrameworks needs credentials (the principals and secrets the master accepts)');
  const authenticateHttpExecutors = options.authenticateHttpExecutors ?? false;
  const key = options.executorSecretKey;
  if (key !== undefined && (typeof key !== 'string' || key === '')) throw new TypeError('executorSecretKey must be a non-empty string');
  return {
    credentials,
    authenticateHttpFrameworks,
    acls: options.acls === undefined ? undefined : compileAcls(options.acls),
    authenticateHttpExecutors,
    executorSecretKey: key !== undefined ? Buffer.from(key) : authenticateHttpExecutors ? randomBytes(32) : undefined,
  };
}

/** The hostname (and bind address) of agent `index` (0-based). */
export function agentHostname(index: number): string {
  return `127.0.0.${index + 2}`;
}
