/**
 * Evaluates one container against what is left of one offer by running every stage, even after
 * one fails, so the outcomes name every reason (dcos-commons' OfferEvaluator does the same). An
 * evaluation builds no task: only the one the planner chooses is launched (`launchOn`), so
 * weighing candidates never costs a TaskInfo.
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
import { evaluateFit, type Claim } from './stages/resources-fit.js';
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
  readonly container: string;
  /** Every stage's outcome, labelled with the container; the launch outcome is added by the planner. */
  readonly stages: readonly Outcome[];
  /** Lower is better: 0 on its own reservation, 1 on its preferred host, 2 elsewhere, 3 on the agent it avoids. */
  readonly rank: number;
  readonly kind: PlacementKind;
  /** What the offer keeps if this evaluation is taken. */
  readonly remaining: readonly Resource[];
  /** Defined when ok. */
  readonly claim: Claim | undefined;
  /** RESERVE and CREATE for a new reservation; empty otherwise. */
  readonly reservationOperations: readonly OfferOperation[];
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
  ].map((o) => ({ ...o, container: container.id }));
  const ok = fit.claim !== undefined && stages.every((o) => o.ok);
  return {
    ok,
    container: container.id,
    stages,
    rank: reservation.source.kind === 'reserved' ? 0 : locality.rank + 1,
    kind: KINDS[reservation.source.kind],
    remaining: ok ? accounting.remaining : state.remaining,
    claim: ok ? fit.claim : undefined,
    reservationOperations: ok ? fit.outcome.operations : [],
  };
}

/** The outcomes of an evaluation that launched nothing here: `why` for one that passed, else the failed stages. */
export function notLaunched(evaluation: Evaluation, why?: string): Outcome[] {
  const failed = evaluation.stages.filter((o) => !o.ok).map((o) => o.stage);
  const reason = why ?? `not launched here: ${failed.join(', ')} failed`;
  return [...evaluation.stages, { ...fail('launch', reason), container: evaluation.container }];
}

export interface Launch {
  readonly outcomes: readonly Outcome[];
  /** RESERVE, CREATE (for a new reservation) and LAUNCH. */
  readonly operations: readonly OfferOperation[];
  readonly placement: Placement;
}

/** The container's task on the chosen offer: built for the one evaluation that is taken. */
export function launchOn(evaluation: Evaluation, claim: Claim, offer: Offer, container: ContainerContext, plan: PlanContext): Launch {
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
  const placement: Placement = {
    container: container.id,
    offerId: offer.id.value,
    agentId: offer.agent_id.value,
    hostname: offer.hostname,
    kind: evaluation.kind,
    task,
    ...(claim.reservation === undefined ? {} : { reservation: claim.reservation }),
  };
  return {
    outcomes: [...evaluation.stages, { ...launch, container: container.id }],
    operations: [...evaluation.reservationOperations, ...launch.operations],
    placement,
  };
}
