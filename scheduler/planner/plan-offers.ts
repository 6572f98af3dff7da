/**
 * The offer planner: a snapshot in, an `OfferPlan` out, nothing done. Offers are taken in a fixed
 * order (hostname, agent id, offer id) and containers in natural id order, so the same facts give
 * the same plan however Mesos ordered its offers. Each waiting container in turn is evaluated
 * against what is left of every offer and takes the best that passes: its own reservation, then
 * its preferred host, then the agent running the fewest of the job's containers (spread, so one
 * lost agent takes as few tasks as it can), then the first in order. A container that fits nowhere when its turn comes
 * fits nowhere later either (offers only shrink), so no waiting container that could run is left out.
 */
import type { Filters, Offer, OfferOperation, Resource } from '../../shared/mesos/index.js';
import { candidates, planContext } from './context.js';
import { evaluateOffer, type Evaluation, type OfferState } from './evaluate-offer.js';
import { fail, type Outcome } from './outcome.js';
import type { AcceptPlan, DeclinePlan, OfferPlan, OfferStreamAction, Placement } from './plan.js';
import { normalizeOffer } from './resource-format.js';
import { mergeResources } from './resource-math.js';
import type { PlannerSnapshot } from './snapshot.js';
import { evaluateOrphans } from './stages/orphan-cleanup.js';

/** An offer while the plan is built; mutable, and local to one `planOffers` call. */
interface Working extends OfferState {
  remaining: readonly Resource[];
  readonly hosted: string[];
  readonly outcomes: Outcome[];
  readonly operations: OfferOperation[];
}

function compareOffers(a: Offer, b: Offer): number {
  const keys = (o: Offer): string[] => [o.hostname, o.agent_id.value, o.id.value];
  const [x, y] = [keys(a), keys(b)];
  for (let i = 0; i < x.length; i++) {
    const [p, q] = [x[i] ?? '', y[i] ?? ''];
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/**
 * SUPPRESS only when nothing waits, REVIVE only when something does while suppressed. Long
 * decline filters are set only when nothing waits, i.e. together with SUPPRESS, so the REVIVE
 * that a later failure triggers also lifts them (REVIVE clears all filters).
 */
function offerStream(waiting: boolean, suppressed: boolean): OfferStreamAction {
  if (waiting && suppressed) return 'revive';
  if (!waiting && !suppressed) return 'suppress';
  return 'none';
}

/** An evaluation's outcomes; where it passed but another offer was chosen, its launch outcome says so. */
function outcomesFor(evaluation: Evaluation, chosen: Working | undefined): readonly Outcome[] {
  const launch = evaluation.outcomes.at(-1);
  if (!evaluation.ok || chosen === undefined || launch === undefined) return evaluation.outcomes;
  const elsewhere = `placed on offer ${chosen.offer.id.value} ('${chosen.offer.hostname}') instead, which ranks better, runs fewer of the job's containers, or comes first`;
  return [...evaluation.outcomes.slice(0, -1), { ...fail('launch', elsewhere), container: launch.container }];
}

/** Agent id → how many of the job's containers it runs or is launching. */
function containersPerAgent(snapshot: PlannerSnapshot): Map<string, number> {
  const hosting = new Map<string, number>();
  for (const state of snapshot.containers.values()) {
    if (state.kind === 'launching' || state.kind === 'running') hosting.set(state.agentId, (hosting.get(state.agentId) ?? 0) + 1);
  }
  return hosting;
}

export function planOffers(snapshot: PlannerSnapshot): OfferPlan {
  const plan = planContext(snapshot);
  const { waiting, errors } = candidates(snapshot);
  const orphanContext = {
    job: plan.job,
    role: plan.framework.role,
    storage: plan.storage,
    containers: new Set(snapshot.jobModel.containers.map((c) => c.id)),
    reservations: snapshot.reservations,
  };
  const offers: Working[] = snapshot.offers
    .map(normalizeOffer)
    .sort(compareOffers)
    .map((offer) => {
      const orphans = evaluateOrphans(mergeResources(offer.resources ?? []), offer, orphanContext);
      return { offer, remaining: orphans.remaining, hosted: [], outcomes: [orphans.outcome], operations: [...orphans.outcome.operations] };
    });

  const placements: Placement[] = [];
  const unplaced: string[] = [];
  const hosting = containersPerAgent(snapshot);
  const load = (target: Working): number => hosting.get(target.offer.agent_id.value) ?? 0;
  for (const container of waiting) {
    const tried = offers.map((target) => ({ target, evaluation: evaluateOffer(target, container, plan) }));
    // Strictly better only: among equals the first offer in the fixed order wins.
    const better = (next: (typeof tried)[number], chosen: (typeof tried)[number]): boolean =>
      next.evaluation.rank < chosen.evaluation.rank ||
      (next.evaluation.rank === chosen.evaluation.rank && load(next.target) < load(chosen.target));
    const best = tried.reduce<(typeof tried)[number] | undefined>(
      (chosen, next) => (next.evaluation.ok && (chosen === undefined || better(next, chosen)) ? next : chosen),
      undefined,
    );
    for (const { target, evaluation } of tried)
      target.outcomes.push(...outcomesFor(evaluation, best === undefined || target === best.target ? undefined : best.target));
    const placement = best?.evaluation.placement;
    if (best === undefined || placement === undefined) {
      unplaced.push(container.id);
      continue;
    }
    placements.push(placement);
    best.target.remaining = best.evaluation.remaining;
    best.target.hosted.push(container.id);
    hosting.set(best.target.offer.agent_id.value, load(best.target) + 1);
    best.target.operations.push(...best.evaluation.operations);
  }

  // Short filters while something waits, so offers come back soon (and after a locality wait ends).
  const stillWaiting = unplaced.length > 0;
  const { declineShortSeconds, declineLongSeconds } = plan.settings;
  const filters: Filters = { refuse_seconds: stillWaiting ? declineShortSeconds : declineLongSeconds };
  const accepts: AcceptPlan[] = [];
  const declines: DeclinePlan[] = [];
  const declineReason =
    waiting.length === 0
      ? 'nothing waits for an offer'
      : stillWaiting
        ? `no waiting container can use it now (waiting: ${unplaced.join(', ')})`
        : 'every waiting container was placed on other offers';
  for (const { offer, operations, hosted } of offers) {
    const where = { offerId: offer.id.value, agentId: offer.agent_id.value, hostname: offer.hostname };
    if (operations.length > 0) accepts.push({ ...where, operations, filters, containers: hosted });
    else declines.push({ ...where, filters, reason: declineReason });
  }
  return {
    accepts,
    declines,
    placements,
    waiting: unplaced,
    offerStream: offerStream(stillWaiting, snapshot.offersSuppressed),
    errors,
    evaluations: offers.map(({ offer, outcomes }) => ({
      offerId: offer.id.value,
      agentId: offer.agent_id.value,
      hostname: offer.hostname,
      outcomes,
    })),
  };
}
