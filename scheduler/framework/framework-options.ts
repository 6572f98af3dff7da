/**
 * What the framework is started with, and the defaults. The timings of the offer planner come
 * from scheduler/planner (DEFAULT_PLANNER_TIMINGS); the rest are Mesos production habits
 * (mesos-v1.md): a week of failover timeout, revives at most every few seconds.
 */
import type { ApiAccess } from '../../shared/http/http-request.js';
import type { CompiledJobConfig } from '../../shared/config/job-config.js';
import type { ContainerResources, LaunchSettings, PlannerSettings, StateStorage } from '../planner/index.js';
import type { ReconcilerOptions } from './reconciler.js';

export interface FrameworkOptions {
  readonly config: CompiledJobConfig;
  /** `http://host:port` or `zk://hosts/mesos`. */
  readonly master: string;
  readonly kafkaBrokers: readonly string[];
  /** The role the framework subscribes with and reserves for (reservations need a role other than `*`). */
  readonly role: string;
  readonly principal: string;
  /** Framework authentication secret; basic auth is sent only when it is set. */
  readonly secret?: string;
  /** The user executors run as (Mesos refuses root unless allowed). */
  readonly user: string;
  /** Seconds Mesos keeps our tasks after the scheduler went away (default one week). */
  readonly failoverTimeoutSeconds: number;
  /** FrameworkInfo.webui_url: the scheduler's HTTP API. */
  readonly webuiUrl?: string;
  readonly resources: ContainerResources;
  readonly storage: StateStorage;
  readonly timings: Omit<PlannerSettings, 'launch'>;
  readonly launch: LaunchSettings;
  /** REVIVE at most this often (default 5 s): a REVIVE clears every filter, so it is costly. */
  readonly reviveMinIntervalMs: number;
  readonly reconcile?: ReconcilerOptions;
  /** How long `remove()` waits for the containers to stop and the reservations to be released (default 60 s). */
  readonly removeTimeoutMs?: number;
  /** The CA of the containers' certificates (job config api.tls) and the read token (api.read-token-file) their endpoints need. */
  readonly containerApi?: ApiAccess;
  /** Re-subscribe backoff of the Mesos client. */
  readonly subscribeBackoff?: { readonly initialMs?: number; readonly maxMs?: number };
}

export const ONE_WEEK_SECONDS = 7 * 24 * 3600;

export const FRAMEWORK_DEFAULTS = {
  role: 'sluice',
  principal: 'sluice',
  failoverTimeoutSeconds: ONE_WEEK_SECONDS,
  reviveMinIntervalMs: 5_000,
  resources: { cpus: 0.5, memMb: 512, diskMb: 256, ports: 0 },
} as const;
