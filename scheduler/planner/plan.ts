/**
 * The planner's output: what to do with each offer and with the offer stream, as data. Only the
 * framework acts on it (dcos-commons: only OfferAccepter sends ACCEPT), in this order: record each
 * placement's new reservation, then ACCEPT, DECLINE, and SUPPRESS or REVIVE.
 */
import type { Filters, OfferOperation, TaskInfo } from '../../shared/mesos/index.js';
import type { Outcome } from './outcome.js';
import type { ContainerReservation, LastFailure } from './snapshot.js';

/** One ACCEPT call: cleanup first (DESTROY, UNRESERVE), then per container RESERVE, CREATE, LAUNCH. */
export interface AcceptPlan {
  readonly offerId: string;
  readonly agentId: string;
  readonly hostname: string;
  readonly operations: readonly OfferOperation[];
  /** Mesos declines what the operations leave unused with these filters. */
  readonly filters: Filters;
  /** The containers launched by this ACCEPT, in launch order. */
  readonly containers: readonly string[];
}

export interface DeclinePlan {
  readonly offerId: string;
  readonly agentId: string;
  readonly hostname: string;
  readonly filters: Filters;
  readonly reason: string;
}

/** How a placed container gets its resources. */
export type PlacementKind = 'new-reservation' | 'reused-reservation' | 'unreserved';

export interface Placement {
  readonly container: string;
  readonly offerId: string;
  readonly agentId: string;
  readonly hostname: string;
  readonly kind: PlacementKind;
  readonly task: TaskInfo;
  /**
   * The container's reservation once the ACCEPT has run. For `new-reservation` the framework must
   * store it before sending the ACCEPT: a reservation missing from the record is an orphan and
   * the next offer holding it would destroy it (dcos-commons' ResourceCleaner works the same way).
   */
  readonly reservation?: ContainerReservation;
}

/**
 * A job-level problem the framework reports (status, dashboard) while the planner keeps going: a
 * container that failed and waits to be relaunched. Nothing is ever given up on, so the error
 * says when the next attempt is due; the framework clears it once the container runs again.
 */
export interface JobError {
  readonly code: 'CONTAINER_FAILING';
  readonly container: string;
  /** For people: the container, the failures, the last one's agent and cause, the next attempt. */
  readonly message: string;
  /** Consecutive failures. */
  readonly failures: number;
  /** When its backoff ends (ms since the epoch); it is relaunched on the first fitting offer after. */
  readonly nextAttemptAt: number;
  readonly lastFailure?: LastFailure;
  /** The agent it now avoids, after `onAgent` failures there in a row. */
  readonly avoidsAgent?: string;
  /** The persistent volume it gave up (released as an orphan); it reserves a new one elsewhere. */
  readonly gaveUpVolume?: string;
}

/** Every stage outcome for one offer, in evaluation order: orphans, then each container's stages. */
export interface OfferOutcomes {
  readonly offerId: string;
  readonly agentId: string;
  readonly hostname: string;
  readonly outcomes: readonly Outcome[];
}

/**
 * SUPPRESS when nothing waits, so Mesos stops sending offers we would decline; REVIVE when
 * something waits while suppressed (REVIVE also clears every decline filter we set).
 */
export type OfferStreamAction = 'suppress' | 'revive' | 'none';

export interface OfferPlan {
  /** Sorted by hostname, agent id, offer id. */
  readonly accepts: readonly AcceptPlan[];
  readonly declines: readonly DeclinePlan[];
  /** In container id order. */
  readonly placements: readonly Placement[];
  /** Containers that still wait for an offer after this plan, in id order. */
  readonly waiting: readonly string[];
  readonly offerStream: OfferStreamAction;
  readonly errors: readonly JobError[];
  readonly evaluations: readonly OfferOutcomes[];
}
