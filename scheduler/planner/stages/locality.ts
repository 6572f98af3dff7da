/**
 * Locality stage: a container's stores live on the host it last ran on (in a volume or a host
 * dir), and a restart there replays only the changelog's tail. So, as Samza's host affinity does,
 * it waits a bounded time (`localityWaitMs`) for an offer from that host, then takes any host and
 * restores from the changelog instead of waiting forever for a host that may be gone. An agent a
 * container keeps failing on is the opposite: its host is never the preferred one, other agents
 * have the same bounded time to offer, and after it the agent is the last resort, taken only when
 * no other will do.
 */
import type { Offer } from '../../../shared/mesos/index.js';
import type { ContainerContext } from '../context.js';
import { fail, pass, seconds, type Outcome } from '../outcome.js';

export interface LocalityResult {
  readonly outcome: Outcome;
  /** 0 on the preferred host, 1 elsewhere, 2 on the agent it avoids: among offers that pass, the planner picks the lowest. */
  readonly rank: number;
}

/** Whether a host other than the preferred one will do now: there is none, or the wait for it is over. */
export function mayRunElsewhere(container: ContainerContext, now: number): boolean {
  return container.preferredHost === undefined || now >= container.waitUntil;
}

/**
 * Whether the offer is from the agent the container avoids: refused while the other agents have
 * `localityWaitMs` to offer, then passing but ranked last.
 */
function avoided(container: ContainerContext, offer: Offer, now: number): LocalityResult | undefined {
  const avoid = container.avoid;
  if (avoid === undefined || avoid.agentId !== offer.agent_id.value) return undefined;
  const streak = `it failed ${avoid.onAgent} times in a row on agent ${avoid.agentId} ('${avoid.hostname}')`;
  if (now < container.avoidUntil) {
    return { outcome: fail('locality', `${streak}; waiting ${seconds(container.avoidUntil - now)} more for another agent`), rank: 2 };
  }
  return { outcome: pass('locality', `${streak}; taken only if no other agent will do`), rank: 2 };
}

export function evaluateLocality(container: ContainerContext, offer: Offer, now: number): LocalityResult {
  const host = container.preferredHost;
  if (host !== undefined && offer.hostname === host) return { outcome: pass('locality', `on '${host}', where its state is`), rank: 0 };
  if (!mayRunElsewhere(container, now)) {
    const left = seconds(container.waitUntil - now);
    return {
      outcome: fail('locality', `waiting ${left} more for '${host}', where its state is; offer is from '${offer.hostname}'`),
      rank: 1,
    };
  }
  const last = avoided(container, offer, now);
  if (last !== undefined) return last;
  if (host === undefined) {
    const avoid = container.avoid;
    const reason = avoid === undefined ? 'no previous host; any host will do' : `any host but '${avoid.hostname}' will do`;
    return { outcome: pass('locality', reason), rank: 1 };
  }
  return { outcome: pass('locality', `the wait for '${host}' is over; '${offer.hostname}' will do`), rank: 1 };
}
