/**
 * The planner's choice rule applied the slow way, as it was before offers were indexed: every
 * waiting container evaluated against every offer, the best passing one taken by (rank, agent
 * load, offer order). The planner must place exactly as this does.
 */
import type { Offer, Resource } from '../../../../shared/mesos/index.js';
import { candidates, planContext } from '../../../../scheduler/planner/context.js';
import { evaluateOffer, type Evaluation } from '../../../../scheduler/planner/evaluate-offer.js';
import { normalizeOffer } from '../../../../scheduler/planner/resource-format.js';
import { mergeResources } from '../../../../scheduler/planner/resource-math.js';
import type { PlannerSnapshot } from '../../../../scheduler/planner/snapshot.js';
import { evaluateOrphans } from '../../../../scheduler/planner/stages/orphan-cleanup.js';

const order = (o: Offer): string => JSON.stringify([o.hostname, o.agent_id.value, o.id.value]);

/** [container, offer id] per placement, in container order. */
export function exhaustivePlacements(snapshot: PlannerSnapshot): [string, string][] {
  const plan = planContext(snapshot);
  const { waiting, givenUp } = candidates(snapshot);
  const context = {
    job: plan.job,
    role: plan.framework.role,
    storage: plan.storage,
    containers: new Set(snapshot.jobModel.containers.map((c) => c.id)),
    reservations: snapshot.reservations,
    givenUp,
  };
  const offers = snapshot.offers
    .map(normalizeOffer)
    .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
    .map((offer) => ({
      offer,
      remaining: evaluateOrphans(mergeResources(offer.resources ?? []), offer, context).remaining as readonly Resource[],
      hosted: [] as string[],
    }));
  const hosting = new Map<string, number>();
  for (const state of snapshot.containers.values())
    if (state.kind === 'launching' || state.kind === 'running') hosting.set(state.agentId, (hosting.get(state.agentId) ?? 0) + 1);
  const load = (offer: Offer): number => hosting.get(offer.agent_id.value) ?? 0;
  const placed: [string, string][] = [];
  for (const container of waiting) {
    let best: { target: (typeof offers)[number]; evaluation: Evaluation } | undefined;
    for (const target of offers) {
      const evaluation = evaluateOffer(target, container, plan);
      if (!evaluation.ok) continue;
      const [r, l] = [evaluation.rank, load(target.offer)];
      if (best === undefined || r < best.evaluation.rank || (r === best.evaluation.rank && l < load(best.target.offer)))
        best = { target, evaluation };
    }
    if (best === undefined) continue;
    best.target.remaining = best.evaluation.remaining;
    best.target.hosted.push(container.id);
    hosting.set(best.target.offer.agent_id.value, load(best.target.offer) + 1);
    placed.push([container.id, best.target.offer.id.value]);
  }
  return placed;
}
