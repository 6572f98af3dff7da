/**
 * The offer planner: a snapshot in, an `OfferPlan` out, nothing done. Offers are taken in a fixed
 * order (hostname, agent id, offer id) and containers in natural id order, so the same facts give
 * the same plan however Mesos ordered its offers. Each waiting container in turn takes the best
 * offer that passes every stage: its own reservation, then its preferred host, then the agent
 * running the fewest of the job's containers (spread, so one lost agent takes as few tasks as it
 * can), then the first in order; the agent it keeps failing on only when nothing else will do.
 * A container that fits nowhere when its turn comes fits nowhere later either (offers only
 * shrink), so no waiting container that could run is left out.
 *
 * Finding that offer costs O(offers + containers · log offers), not O(containers × offers), as in
 * Marathon's and dcos-commons' matchers: cheap checks first, full evaluation only where it can
 * pass, and a TaskInfo only for the offer taken.
 * - The agent a container keeps failing on ranks last: its offers are kept out of the heap for
 *   that container and evaluated (by index) only when nothing else passes.
 * - A container still backing off passes nowhere, and one waiting for its host passes only there:
 *   neither looks at other offers.
 * - Only offers on its reservation's agent or its preferred host can rank 0 or 1: they are found
 *   by index and evaluated in full.
 * - Elsewhere every container asks for the same resources and reserves afresh, so whether an
 *   offer fits does not depend on the container. The offers wait in a heap ordered by spread; the
 *   top one that passes is the best elsewhere, and one that fails is dropped for the rest of the
 *   plan (offers only shrink). Each offer is thus dropped once and each placement found in O(log n).
 * The outcomes reported per offer are those of the evaluations actually made; a container that
 * none was made for (backing off, waiting for an absent host) is evaluated against the first
 * offer, so its reasons are still reported.
 */
import type { Filters, Offer, OfferOperation, Resource } from '../../shared/mesos/index.js';
import { candidates, planContext, type ContainerContext } from './context.js';
import { evaluateOffer, launchOn, notLaunched, type Evaluation, type OfferState } from './evaluate-offer.js';
import { MinHeap } from './min-heap.js';
import type { Outcome } from './outcome.js';
import type { AcceptPlan, DeclinePlan, OfferPlan, OfferStreamAction, Placement } from './plan.js';
import { normalizeOffer } from './resource-format.js';
import { mergeResources } from './resource-math.js';
import type { PlannerSnapshot } from './snapshot.js';
import { evaluateBackoff } from './stages/backoff.js';
import { mayRunElsewhere } from './stages/locality.js';
import { evaluateOrphans } from './stages/orphan-cleanup.js';

/** The shortest decline filter: about Mesos's allocation interval (1 s), so a declined offer is not sent straight back. */
const MIN_REFUSE_SECONDS = 0.5;

/** An offer while the plan is built; mutable, and local to one `planOffers` call. */
interface Working extends OfferState {
  /** Its place in the fixed offer order. */
  readonly index: number;
  remaining: readonly Resource[];
  readonly hosted: string[];
  readonly outcomes: Outcome[];
  readonly operations: OfferOperation[];
}

interface Candidate {
  readonly target: Working;
  readonly evaluation: Evaluation;
}

/** A spread-heap entry: the agent's load when it was queued. Loads only grow, so a stale entry is queued again when it surfaces. */
interface Queued {
  readonly target: Working;
  readonly load: number;
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

function elsewhere(chosen: Working): string {
  return `placed on offer ${chosen.offer.id.value} ('${chosen.offer.hostname}') instead, which ranks better, runs fewer of the job's containers, or comes first`;
}

function indexBy(offers: readonly Working[], key: (offer: Offer) => string): Map<string, Working[]> {
  const index = new Map<string, Working[]>();
  for (const target of offers) {
    const list = index.get(key(target.offer));
    if (list === undefined) index.set(key(target.offer), [target]);
    else list.push(target);
  }
  return index;
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
  const { waiting, errors, givenUp } = candidates(snapshot);
  const orphanContext = {
    job: plan.job,
    role: plan.framework.role,
    storage: plan.storage,
    containers: new Set(snapshot.jobModel.containers.map((c) => c.id)),
    reservations: snapshot.reservations,
    givenUp,
  };
  const offers: Working[] = snapshot.offers
    .map(normalizeOffer)
    .sort(compareOffers)
    .map((offer, index) => {
      const orphans = evaluateOrphans(mergeResources(offer.resources ?? []), offer, orphanContext);
      return {
        offer,
        index,
        remaining: orphans.remaining,
        hosted: [],
        outcomes: [orphans.outcome],
        operations: [...orphans.outcome.operations],
      };
    });

  const placements: Placement[] = [];
  const unplaced: string[] = [];
  const hosting = containersPerAgent(snapshot);
  const load = (target: Working): number => hosting.get(target.offer.agent_id.value) ?? 0;
  // Rank, then spread, then the fixed order: no two offers are equal, so the choice never depends on evaluation order.
  const better = (next: Candidate, chosen: Candidate): boolean =>
    (next.evaluation.rank - chosen.evaluation.rank || load(next.target) - load(chosen.target) || next.target.index - chosen.target.index) <
    0;
  const byAgent = indexBy(offers, (offer) => offer.agent_id.value);
  const byHost = indexBy(offers, (offer) => offer.hostname);
  const spread = new MinHeap<Queued>((a, b) => a.load < b.load || (a.load === b.load && a.target.index < b.target.index));
  for (const target of offers) spread.push({ target, load: load(target) });

  /** The offers where the container may rank 0 or 1, in offer order. */
  const nearby = (container: ContainerContext): Working[] => {
    const agent = container.reservation === undefined ? [] : (byAgent.get(container.reservation.agentId) ?? []);
    const host = container.preferredHost === undefined ? [] : (byHost.get(container.preferredHost) ?? []);
    return [...new Set([...agent, ...host])].sort((a, b) => a.index - b.index);
  };

  /** The offers on the agent the container avoids, in offer order. */
  const shunned = (container: ContainerContext): Working[] =>
    container.avoid === undefined ? [] : (byAgent.get(container.avoid.agentId) ?? []);

  /** The best offer elsewhere by spread, skipping `seen`; offers that fail are dropped, and their outcomes kept. */
  const bestElsewhere = (container: ContainerContext, seen: ReadonlySet<Working>): { found?: Candidate; evaluated: boolean } => {
    const setAside: Queued[] = [];
    let found: Candidate | undefined;
    let evaluated = false;
    while (found === undefined) {
      const top = spread.pop();
      if (top === undefined) break;
      if (top.load !== load(top.target)) spread.push({ target: top.target, load: load(top.target) });
      else if (seen.has(top.target)) setAside.push(top);
      else {
        const evaluation = evaluateOffer(top.target, container, plan);
        evaluated = true;
        if (evaluation.ok) {
          found = { target: top.target, evaluation };
          setAside.push(top);
        } else top.target.outcomes.push(...notLaunched(evaluation));
      }
    }
    for (const entry of setAside) spread.push(entry);
    return found === undefined ? { evaluated } : { found, evaluated };
  };

  const evaluateOn = (targets: readonly Working[], container: ContainerContext): Candidate[] =>
    targets.map((target) => ({ target, evaluation: evaluateOffer(target, container, plan) }));
  const bestOf = (list: readonly Candidate[]): Candidate | undefined =>
    list
      .filter((c) => c.evaluation.ok)
      .reduce<Candidate | undefined>((chosen, next) => (chosen === undefined || better(next, chosen) ? next : chosen), undefined);

  for (const container of waiting) {
    const ready = evaluateBackoff(container, plan.now).ok;
    const near = ready ? evaluateOn(nearby(container), container) : [];
    let best = bestOf(near);
    let evaluated = near.length > 0;
    const anywhere = ready && mayRunElsewhere(container, plan.now);
    // The agent it keeps failing on ranks below every other: tried only once nothing else passes.
    const avoided = anywhere ? shunned(container).filter((target) => !near.some((c) => c.target === target)) : [];
    if (anywhere && (best === undefined || best.evaluation.rank === 2)) {
      const far = bestElsewhere(container, new Set([...near.map((c) => c.target), ...avoided]));
      evaluated ||= far.evaluated;
      if (far.found !== undefined && (best === undefined || better(far.found, best))) best = far.found;
    }
    const last = best === undefined ? evaluateOn(avoided, container) : [];
    evaluated ||= last.length > 0;
    best ??= bestOf(last);
    for (const { target, evaluation } of [...near, ...last])
      if (target !== best?.target)
        target.outcomes.push(...notLaunched(evaluation, evaluation.ok && best ? elsewhere(best.target) : undefined));
    const claim = best?.evaluation.claim;
    if (best === undefined || claim === undefined) {
      unplaced.push(container.id);
      const first = offers[0];
      if (!evaluated && first !== undefined) first.outcomes.push(...notLaunched(evaluateOffer(first, container, plan)));
      continue;
    }
    const launch = launchOn(best.evaluation, claim, best.target.offer, container, plan);
    placements.push(launch.placement);
    best.target.outcomes.push(...launch.outcomes);
    best.target.remaining = best.evaluation.remaining;
    best.target.hosted.push(container.id);
    hosting.set(best.target.offer.agent_id.value, load(best.target) + 1);
    best.target.operations.push(...launch.operations);
  }

  // Short filters while something waits, so offers come back soon (and after a locality wait ends);
  // no longer than the soonest backoff still running: a container that failed a moment ago gets
  // its agent's offer back when its backoff ends, not a whole short filter later.
  const stillWaiting = unplaced.length > 0;
  const { declineShortSeconds, declineLongSeconds } = plan.settings;
  const backoffEnds = waiting.filter((c) => unplaced.includes(c.id) && c.readyAt > plan.now).map((c) => (c.readyAt - plan.now) / 1000);
  const shortFilter = Math.max(MIN_REFUSE_SECONDS, Math.min(declineShortSeconds, ...backoffEnds));
  const filters: Filters = { refuse_seconds: stillWaiting ? shortFilter : declineLongSeconds };
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
