/**
 * Locality stage: a container's stores live on the host it last ran on (in a volume or a host
 * dir), and a restart there replays only the changelog's tail. So, as Samza's host affinity does,
 * it waits a bounded time (`localityWaitMs`) for an offer from that host, then takes any host and
 * restores from the changelog instead of waiting forever for a host that may be gone.
 */
import type { Offer } from '../../../shared/mesos/index.js';
import type { ContainerContext } from '../context.js';
import { fail, pass, seconds, type Outcome } from '../outcome.js';

export interface LocalityResult {
  readonly outcome: Outcome;
  /** 0 on the preferred host, 1 elsewhere: among offers that pass, the planner picks the lowest. */
  readonly rank: number;
}

/** Whether a host other than the preferred one will do now: there is none, or the wait for it is over. */
export function mayRunElsewhere(container: ContainerContext, now: number): boolean {
  return container.preferredHost === undefined || now >= container.waitUntil;
}

export function evaluateLocality(container: ContainerContext, offer: Offer, now: number): LocalityResult {
  const host = container.preferredHost;
  if (host === undefined) return { outcome: pass('locality', 'no previous host; any host will do'), rank: 1 };
  if (offer.hostname === host) return { outcome: pass('locality', `on '${host}', where its state is`), rank: 0 };
  if (mayRunElsewhere(container, now)) {
    return { outcome: pass('locality', `the wait for '${host}' is over; '${offer.hostname}' will do`), rank: 1 };
  }
  const left = seconds(container.waitUntil - now);
  return {
    outcome: fail('locality', `waiting ${left} more for '${host}', where its state is; offer is from '${offer.hostname}'`),
    rank: 1,
  };
}
