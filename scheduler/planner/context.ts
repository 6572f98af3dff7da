/**
 * What the stages read, derived once per plan from the snapshot: the plan-wide facts, and per
 * container that waits for an offer its readiness, preferred host, reservation and fresh ids.
 */
import { compareNames } from '../../shared/model/job-model.js';
import { backoffDelayMs } from '../../shared/backoff.js';
import { failingError } from './failing-error.js';
import type { JobError } from './plan.js';
import type {
  ContainerReservation,
  ContainerResources,
  ContainerState,
  FrameworkIdentity,
  LastFailure,
  PlannerSettings,
  PlannerSnapshot,
  StateStorage,
} from './snapshot.js';

export interface PlanContext {
  readonly job: string;
  readonly jobModelVersion: number;
  readonly framework: FrameworkIdentity;
  readonly resources: ContainerResources;
  readonly storage: StateStorage;
  readonly settings: PlannerSettings;
  readonly now: number;
}

/** Ids for a new reservation, one `resource_id` per reserved resource as dcos-commons labels them. */
export interface ReservationIds {
  readonly cpus: string;
  readonly mem: string;
  readonly disk: string;
  readonly volume: string;
  readonly persistenceId: string;
}

export interface ContainerContext {
  readonly id: string;
  /** Consecutive failures; 0 unless the container is `failed`. */
  readonly failures: number;
  /** When backoff allows a launch (ms since the epoch; −∞ when it never ran). */
  readonly readyAt: number;
  /** Where its state is: the reservation's host, else the host it last ran on; never the host it avoids. */
  readonly preferredHost: string | undefined;
  /** Until then only the preferred host will do. */
  readonly waitUntil: number;
  /** Its current reservation; undefined with host-dir storage, which reserves nothing, and once given up. */
  readonly reservation: ContainerReservation | undefined;
  /** The agent of its last failures, after enough of them there: taken only when no other agent will do. */
  readonly avoid: LastFailure | undefined;
  /** Until then the agent it avoids will not do at all: the other agents have that long to offer. */
  readonly avoidUntil: number;
  /** The reservation it gave up after failing on its agent again and again: released as an orphan. */
  readonly givenUp: ContainerReservation | undefined;
  /** The uuid in this attempt's task id. */
  readonly attemptId: string;
  /** Present with persistent-volume storage, used if this attempt reserves anew. */
  readonly newReservationIds: ReservationIds | undefined;
}

export function planContext(snapshot: PlannerSnapshot): PlanContext {
  return {
    job: snapshot.jobModel.job,
    jobModelVersion: snapshot.jobModel.version,
    framework: snapshot.framework,
    resources: snapshot.resources,
    storage: snapshot.storage,
    settings: snapshot.settings,
    now: snapshot.now,
  };
}

/** When a container waiting for placement may launch: after its backoff if it failed; −∞ for one never seen. */
export function readyAt(state: ContainerState | undefined, settings: Pick<PlannerSettings, 'backoffInitialMs' | 'backoffMaxMs'>): number {
  if (state === undefined) return Number.NEGATIVE_INFINITY;
  if (state.kind === 'failed')
    return state.lastFailureAt + backoffDelayMs(state.attempts, { initialMs: settings.backoffInitialMs, maxMs: settings.backoffMaxMs });
  if (state.kind === 'pending') return state.since;
  return Number.POSITIVE_INFINITY;
}

/** A container waits for an offer when it never ran, needs a relaunch, or failed (and so retries). */
function waitsForOffer(state: ContainerState | undefined): boolean {
  return state === undefined || state.kind === 'pending' || state.kind === 'failed';
}

export interface Candidates {
  /** Containers that wait for an offer, in natural id order (the order they are placed in). */
  readonly waiting: ContainerContext[];
  /** One per failed container: it is relaunched, and the job shows why meanwhile. */
  readonly errors: JobError[];
  /** Container id → the reservation it gave up (the orphan stage releases it). */
  readonly givenUp: ReadonlyMap<string, ContainerReservation>;
}

/**
 * Which agent a failed container turns away from, and whether it gives its volume up. Failing
 * on the agent of its volume, it stays for `giveUpVolumeAfterFailures` (the volume saves a full
 * restore); failing anywhere else, for `avoidAgentAfterFailures`.
 */
function retreat(
  last: LastFailure | undefined,
  reservation: ContainerReservation | undefined,
  settings: PlannerSettings,
): { avoid?: LastFailure; givenUp?: ContainerReservation } {
  if (last === undefined) return {};
  if (reservation !== undefined && reservation.agentId === last.agentId) {
    return last.onAgent >= settings.giveUpVolumeAfterFailures ? { avoid: last, givenUp: reservation } : {};
  }
  return last.onAgent >= settings.avoidAgentAfterFailures ? { avoid: last } : {};
}

/**
 * The containers to place. Uuids are drawn here, in id order and a fixed number per container,
 * so which offers arrive (or in what order) never changes which container gets which id. No
 * container is ever given up on: a failed one waits out its backoff and is relaunched.
 */
export function candidates(snapshot: PlannerSnapshot): Candidates {
  const { settings, storage } = snapshot;
  const waiting: ContainerContext[] = [];
  const errors: JobError[] = [];
  const givenUp = new Map<string, ContainerReservation>();
  const ids = snapshot.jobModel.containers.map((c) => c.id).sort(compareNames);
  for (const id of ids) {
    const state = snapshot.containers.get(id);
    if (!waitsForOffer(state)) continue;
    const failed = state?.kind === 'failed' ? state : undefined;
    const recorded = storage.kind === 'persistent-volume' ? snapshot.reservations.get(id) : undefined;
    const { avoid, givenUp: gaveUp } = retreat(failed?.last, recorded, settings);
    const reservation = gaveUp === undefined ? recorded : undefined;
    if (gaveUp !== undefined) givenUp.set(id, gaveUp);
    const nearHost = reservation?.hostname ?? snapshot.lastHosts.get(id);
    const preferredHost = nearHost === avoid?.hostname ? undefined : nearHost;
    const ready = readyAt(state, settings);
    if (failed !== undefined) {
      errors.push(
        failingError({
          job: snapshot.jobModel.job,
          container: id,
          failures: failed.attempts,
          lastFailureAt: failed.lastFailureAt,
          nextAttemptAt: ready,
          last: failed.last,
          avoids: avoid,
          gaveUpVolume: gaveUp?.persistenceId,
        }),
      );
    }
    const attemptId = snapshot.newUuid();
    const newReservationIds =
      storage.kind === 'persistent-volume'
        ? {
            cpus: snapshot.newUuid(),
            mem: snapshot.newUuid(),
            disk: snapshot.newUuid(),
            volume: snapshot.newUuid(),
            persistenceId: snapshot.newUuid(),
          }
        : undefined;
    waiting.push({
      id,
      failures: failed?.attempts ?? 0,
      readyAt: ready,
      preferredHost,
      waitUntil: preferredHost === undefined ? ready : ready + settings.localityWaitMs,
      reservation,
      avoid,
      avoidUntil: avoid === undefined ? ready : ready + settings.localityWaitMs,
      givenUp: gaveUp,
      attemptId,
      newReservationIds,
    });
  }
  return { waiting, errors, givenUp };
}
