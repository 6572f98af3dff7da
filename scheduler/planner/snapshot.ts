/**
 * The planner's input: one immutable snapshot of everything the offer planner may look at. The
 * framework gathers it (job model and locality from ZooKeeper, container states from status
 * updates, the offers in hand) and injects the clock and the uuid source, so `planOffers` is a
 * pure function of it (STYLE.md rule 2).
 */
import type { Offer } from '../../shared/mesos/index.js';
import type { JobModel } from '../../shared/model/job-model.js';

/** What each container of the job asks for; like Samza's `cluster-manager.container.*` keys, one size for all. */
export interface ContainerResources {
  readonly cpus: number;
  readonly memMb: number;
  /** Sandbox scratch disk (logs, the fetched bundle); 0 asks for none. */
  readonly diskMb: number;
  /** How many ports the container needs; concrete numbers are picked from the offer. */
  readonly ports: number;
}

/** Where the container's stores live, so a restart on the same host skips a full restore (DESIGN.md). */
export type StateStorage =
  /** A Mesos persistent volume: RESERVE + CREATE once, then every relaunch on that agent reuses it. */
  | { readonly kind: 'persistent-volume'; readonly sizeMb: number; readonly containerPath: string }
  /** A directory on every agent (volumes disabled): plain unreserved LAUNCHes. */
  | { readonly kind: 'host-dir'; readonly path: string };

/** What the framework knows about one container of the job model. Times are ms since the epoch. */
export type ContainerState =
  /** Never launched, or needs a relaunch (lost, killed for a new job model); waiting since `since`. */
  | { readonly kind: 'pending'; readonly since: number }
  /** ACCEPT sent, no TASK_RUNNING yet. */
  | { readonly kind: 'launching'; readonly agentId: string }
  | { readonly kind: 'running'; readonly agentId: string }
  /**
   * Ended badly `attempts` times in a row (reset by a TASK_RUNNING); relaunched after a backoff,
   * however many times. `last` says where and why the last attempt ended (absent when unknown).
   */
  | { readonly kind: 'failed'; readonly attempts: number; readonly lastFailureAt: number; readonly last?: LastFailure }
  /** KILL sent; the framework turns it into `pending` once the task is terminal. */
  | { readonly kind: 'killing' };

/** Why a task ended, as Mesos said it in the TaskStatus. */
export interface FailureCause {
  /** The terminal task state, e.g. `TASK_FAILED`. */
  readonly state: string;
  /** e.g. `REASON_EXECUTOR_TERMINATED`. */
  readonly reason?: string;
  readonly message?: string;
}

/** Where a container's last attempt failed, and how often in a row on that agent. */
export interface LastFailure {
  readonly agentId: string;
  readonly hostname: string;
  /** Consecutive failures on this agent, this one included (at most the container's `attempts`). */
  readonly onAgent: number;
  readonly cause?: FailureCause;
}

/**
 * The framework's record of a container's dynamic reservation, written before the ACCEPT that
 * makes it (as dcos-commons stores a task's resource ids before launching). Reservations have no
 * ids in Mesos, so offers are matched to this record by the labels of each reserved resource.
 */
export interface ContainerReservation {
  /** Reservations and volumes live in the agent's checkpointed state: a new agent id has none. */
  readonly agentId: string;
  readonly hostname: string;
  /** The `resource_id` label of every reserved resource (cpus, mem, scratch disk, volume disk). */
  readonly resourceIds: readonly string[];
  /** `disk.persistence.id` of the volume. */
  readonly persistenceId: string;
}

export interface FrameworkIdentity {
  readonly frameworkId: string;
  /** The one role the framework subscribes with; it reserves for this role. */
  readonly role: string;
  /** Put on reservations and volumes; Mesos refuses RESERVE/CREATE with another principal. */
  readonly principal: string;
}

/** What the executor's CommandInfo needs; none of it is decided by the planner. */
export interface LaunchSettings {
  /** The job bundle the Mesos fetcher downloads (and extracts) into the sandbox. */
  readonly bundleUri: string;
  /** Shell command that starts the Sluice executor, e.g. `node sluice/dist/bin/sluice.js executor`. */
  readonly executorCommand: string;
  /** The job config file the executor loads, relative to the sandbox (in the bundle) or absolute. */
  readonly jobConfig: string;
  /** ZooKeeper connect string, e.g. `zk1:2181,zk2:2181`. */
  readonly zookeeper: string;
  /** Kafka bootstrap brokers, e.g. `kafka1:9092`, `kafka2:9092`. */
  readonly kafkaBrokers: readonly string[];
}

export interface PlannerSettings {
  /** How long a container waits for an offer from its previous host before taking any host. */
  readonly localityWaitMs: number;
  /** Relaunch delay after the first failure; doubles with each further failure, up to `backoffMaxMs`, forever. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /**
   * Consecutive failures on one agent after which a container prefers any other agent: that
   * agent is then taken only when no other will do, and its host is no longer waited for.
   */
  readonly avoidAgentAfterFailures: number;
  /**
   * Consecutive failures on the agent of a container's persistent volume after which the
   * container gives the volume up: its reservation is released as an orphan and the container
   * reserves a new volume elsewhere, its stores restoring from the changelog. Below it, the
   * container keeps relaunching on its volume (the volume outweighs `avoidAgentAfterFailures`).
   */
  readonly giveUpVolumeAfterFailures: number;
  /** Decline filter when nothing waits (Marathon's `decline_offer_duration`: 120 s). */
  readonly declineLongSeconds: number;
  /** Decline filter when something waits and might fit soon (Mesos's default filter: 5 s). */
  readonly declineShortSeconds: number;
  readonly launch: LaunchSettings;
}

/**
 * The timing defaults. Samza's host affinity waits for the preferred host before any host
 * (`cluster-manager.container.request.timeout.ms`). Unlike Samza (which gives up on a container
 * after `cluster-manager.container.retry.count` failures), a container is never given up on:
 * as Marathon does, relaunches back off exponentially to a cap and go on. A volume is only a
 * cache of the changelog, so it is given up after a few failures on its agent, far sooner than
 * dcos-commons replaces a pod whose volume is the only copy (docs/architecture.md).
 */
export const DEFAULT_PLANNER_TIMINGS = {
  localityWaitMs: 30_000,
  backoffInitialMs: 1_000,
  backoffMaxMs: 60_000,
  avoidAgentAfterFailures: 2,
  giveUpVolumeAfterFailures: 3,
  declineLongSeconds: 120,
  declineShortSeconds: 5,
} as const satisfies Omit<PlannerSettings, 'launch'>;

export interface PlannerSnapshot {
  readonly jobModel: JobModel;
  readonly resources: ContainerResources;
  readonly storage: StateStorage;
  /**
   * Container id → state. A container of the job model without an entry has never been seen:
   * it is pending with no locality wait (seed `{kind: 'pending', since}` to make it wait).
   */
  readonly containers: ReadonlyMap<string, ContainerState>;
  /** Container id → hostname it last ran on (the locality store). */
  readonly lastHosts: ReadonlyMap<string, string>;
  /** Container id → its current reservation; any other reservation labelled for this job is an orphan. */
  readonly reservations: ReadonlyMap<string, ContainerReservation>;
  readonly framework: FrameworkIdentity;
  readonly offers: readonly Offer[];
  /** Whether the framework has suppressed offers (SUPPRESS sent, no REVIVE since). */
  readonly offersSuppressed: boolean;
  /** The injected clock, ms since the epoch. */
  readonly now: number;
  /** The injected uuid source; called in a fixed order, so a seeded source gives a repeatable plan. */
  readonly newUuid: () => string;
  readonly settings: PlannerSettings;
}
