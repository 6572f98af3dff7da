/**
 * Evaluates one container against what is left of one offer by running every stage, even after
 * one fails, so the outcomes name every reason (dcos-commons' OfferEvaluator does the same). The
 * recommended operations count only when all stages pass; then a LAUNCH of the container's task
 * on the claimed resources closes the list.
 */
import type { Offer, OfferOperation, Resource } from '../../shared/mesos/index.js';
import type { ContainerContext, PlanContext } from './context.js';
import { launchOperation } from './operations.js';
import { fail, pass, type Outcome } from './outcome.js';
import type { Placement, PlacementKind } from './plan.js';
import { evaluateAccounting } from './stages/offer-accounting.js';
import { evaluateBackoff } from './stages/backoff.js';
import { evaluateLocality } from './stages/locality.js';
import { evaluateReservation, type ResourceSource } from './stages/reservation-match.js';
import { evaluateFit } from './stages/resources-fit.js';
import { evaluateRole } from './stages/role.js';
import { buildTaskInfo } from './task-info.js';

/** An offer during planning: what is left of it and who it already hosts. */
export interface OfferState {
  /** In post-refinement form (normalizeOffer). */
  readonly offer: Offer;
  readonly remaining: readonly Resource[];
  readonly hosted: readonly string[];
}

export interface Evaluation {
  readonly ok: boolean;
  readonly outcomes: readonly Outcome[];
  /** RESERVE, CREATE (for a new reservation) and LAUNCH; empty unless ok. */
  readonly operations: readonly OfferOperation[];
  /** What the offer keeps if this evaluation is taken. */
  readonly remaining: readonly Resource[];
  /** Lower is better: 0 on its own reservation, 1 on its preferred host, 2 elsewhere. */
  readonly rank: number;
  readonly placement: Placement | undefined;
}

const KINDS: Record<ResourceSource['kind'], PlacementKind> = {
  reserved: 'reused-reservation',
  'new-reservation': 'new-reservation',
  unreserved: 'unreserved',
};

export function evaluateOffer(state: OfferState, container: ContainerContext, plan: PlanContext): Evaluation {
  const { offer } = state;
  const role = evaluateRole(state.remaining, plan.framework.role);
  const locality = evaluateLocality(container, offer, plan.now);
  const reservation = evaluateReservation(container, offer, role.usable, plan);
  const fit = evaluateFit(container, reservation.source, role.usable, offer, plan);
  const accounting = evaluateAccounting(state.remaining, fit.claim, state.hosted);
  const stages = [
    role.outcome,
    evaluateBackoff(container, plan.now),
    locality.outcome,
    reservation.outcome,
    fit.outcome,
    accounting.outcome,
  ];
  const rank = reservation.source.kind === 'reserved' ? 0 : locality.rank + 1;
  const failed = stages.filter((o) => !o.ok).map((o) => o.stage);
  const claim = fit.claim;
  if (failed.length > 0 || claim === undefined) {
    const outcomes = [...stages, fail('launch', `not launched here: ${failed.join(', ')} failed`)].map((o) => ({
      ...o,
      container: container.id,
    }));
    return { ok: false, outcomes, operations: [], remaining: state.remaining, rank, placement: undefined };
  }
  const task = buildTaskInfo({
    job: plan.job,
    container: container.id,
    attemptId: container.attemptId,
    jobModelVersion: plan.jobModelVersion,
    agentId: offer.agent_id.value,
    frameworkId: plan.framework.frameworkId,
    resources: claim.task,
    storage: plan.storage,
    launch: plan.settings.launch,
  });
  const launch = pass('launch', `launches task ${task.task_id.value} here`, [launchOperation(task)]);
  const outcomes = [...stages, launch].map((o) => ({ ...o, container: container.id }));
  const placement: Placement = {
    container: container.id,
    offerId: offer.id.value,
    agentId: offer.agent_id.value,
    hostname: offer.hostname,
    kind: KINDS[reservation.source.kind],
    task,
    ...(claim.reservation === undefined ? {} : { reservation: claim.reservation }),
  };
  const operations = [...fit.outcome.operations, ...launch.operations];
  return { ok: true, outcomes, operations, remaining: accounting.remaining, rank, placement };
}
