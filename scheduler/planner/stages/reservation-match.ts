/**
 * Reservation stage: where the container's resources come from on this offer. A container with a
 * volume on this agent relaunches on exactly those reserved resources, found by their labels
 * (reservations have no ids in Mesos; dcos-commons finds them by `resource_id`, and a transient
 * restart waits for an offer holding all of them). Elsewhere, without one yet, after giving its
 * volume up (it kept failing on that agent), or when the container now asks for more than it
 * holds, it reserves anew.
 */
import type { Offer, Resource } from '../../../shared/mesos/index.js';
import type { ContainerContext, PlanContext, ReservationIds } from '../context.js';
import { fail, pass, seconds, type Outcome } from '../outcome.js';
import { ownerOf } from '../resource-format.js';
import { sumScalar } from '../resource-math.js';
import type { ContainerResources } from '../snapshot.js';

export type ResourceSource =
  /** Relaunch on the container's reserved resources and volume, all present in the offer. */
  | { readonly kind: 'reserved'; readonly resources: readonly Resource[] }
  /** RESERVE and CREATE from unreserved resources with these ids, then launch. */
  | { readonly kind: 'new-reservation'; readonly ids: ReservationIds; readonly sizeMb: number; readonly containerPath: string }
  /** Host-dir storage: launch on unreserved resources, reserve nothing. */
  | { readonly kind: 'unreserved' };

export interface ReservationResult {
  readonly outcome: Outcome;
  readonly source: ResourceSource;
}

/** What the reservation holds less of than the container asks for now (asked for more since it was made). */
function shortfalls(mine: readonly Resource[], want: ContainerResources, sizeMb: number): string[] {
  const checks: [string, number, number][] = [
    ['cpus', sumScalar(mine, 'cpus'), want.cpus],
    ['mem', sumScalar(mine, 'mem'), want.memMb],
    [
      'disk',
      sumScalar(
        mine.filter((r) => r.disk === undefined),
        'disk',
      ),
      want.diskMb,
    ],
    [
      'volume',
      sumScalar(
        mine.filter((r) => r.disk?.persistence !== undefined),
        'disk',
      ),
      sizeMb,
    ],
  ];
  return checks.filter(([, have, needed]) => have < needed).map(([name, have, needed]) => `${name} ${have} of ${needed}`);
}

export function evaluateReservation(
  container: ContainerContext,
  offer: Offer,
  usable: readonly Resource[],
  plan: PlanContext,
): ReservationResult {
  const ids = container.newReservationIds;
  if (plan.storage.kind === 'host-dir' || ids === undefined) {
    return { outcome: pass('reservation', 'state lives in a host dir; nothing to reserve'), source: { kind: 'unreserved' } };
  }
  const reservation = container.reservation;
  const fresh: ResourceSource = { kind: 'new-reservation', ids, sizeMb: plan.storage.sizeMb, containerPath: plan.storage.containerPath };
  if (reservation === undefined) {
    const { givenUp, avoid } = container;
    if (givenUp !== undefined) {
      const failures = avoid === undefined ? '' : ` after ${avoid.onAgent} failures in a row there`;
      const reason = `gave up its volume ${givenUp.persistenceId} on agent ${givenUp.agentId} ('${givenUp.hostname}')${failures}; reserves a new ${plan.storage.sizeMb} MB volume here and restores from the changelog`;
      return { outcome: pass('reservation', reason), source: fresh };
    }
    return { outcome: pass('reservation', `no reservation yet; reserves a ${plan.storage.sizeMb} MB volume here`), source: fresh };
  }
  if (reservation.agentId !== offer.agent_id.value) {
    const where = `agent ${reservation.agentId} ('${reservation.hostname}')`;
    return { outcome: pass('reservation', `its volume is on ${where}; a new reservation here restores from the changelog`), source: fresh };
  }
  const wanted = new Set(reservation.resourceIds);
  const mine = usable.filter((r) => {
    const owner = ownerOf(r, plan.job);
    return owner !== undefined && owner.container === container.id && wanted.has(owner.resourceId);
  });
  const present = new Set(mine.map((r) => ownerOf(r, plan.job)?.resourceId));
  const missing = reservation.resourceIds.filter((id) => !present.has(id));
  const hasVolume = mine.some((r) => r.disk?.persistence?.id === reservation.persistenceId);
  if (missing.length > 0 || !hasVolume) {
    const gaps = [...missing.map((id) => `resource ${id}`), ...(hasVolume ? [] : [`volume ${reservation.persistenceId}`])];
    const partial = `its reservation here is offered only in part (missing ${gaps.join(', ')})`;
    // The rest may still come (another offer, a task releasing it): wait, but not forever.
    if (plan.now >= container.waitUntil)
      return { outcome: pass('reservation', `${partial}; the wait is over, so it reserves anew`), source: fresh };
    return {
      outcome: fail('reservation', `${partial}; waiting ${seconds(container.waitUntil - plan.now)} more for the rest`),
      source: fresh,
    };
  }
  const short = shortfalls(mine, plan.resources, plan.storage.sizeMb);
  if (short.length > 0) {
    // Waiting will not make it grow, and growing it in place would take operations this planner
    // does not use (RESERVE of the difference, GROW_VOLUME): reserve anew at once. The old
    // reservation becomes an orphan once the new one is recorded, and is released.
    return {
      outcome: pass('reservation', `its reservation here holds less than asked (${short.join(', ')}); it reserves anew`),
      source: fresh,
    };
  }
  return {
    outcome: pass('reservation', `reuses its reservation and volume ${reservation.persistenceId}`),
    source: { kind: 'reserved', resources: mine },
  };
}
