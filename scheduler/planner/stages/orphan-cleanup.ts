/**
 * Orphan stage: reserved resources and volumes labelled for this job that no container owns any
 * more are given back, DESTROY then UNRESERVE in one ACCEPT (a volume must be destroyed before
 * its disk can be unreserved). Mesos never frees a dynamic reservation by itself, so without this
 * a removed container or a moved one would hold its cpus, mem and disk on the agent forever.
 * As in dcos-commons' ResourceCleaner, "owned" means recorded: a resource whose `resource_id` is
 * not in its container's current reservation is an orphan. So is a reservation its container gave
 * up after failing on its agent again and again (context.ts): it is still recorded until the
 * container's new one is, but no attempt will use it again.
 */
import type { Offer, Resource } from '../../../shared/mesos/index.js';
import { destroyOperation, unreserveOperation, withoutVolume } from '../operations.js';
import { pass, type Outcome } from '../outcome.js';
import { describeResource, ownerOf, reservedRole } from '../resource-format.js';
import { subtractResources } from '../resource-math.js';
import type { ContainerReservation, StateStorage } from '../snapshot.js';

export interface OrphanContext {
  readonly job: string;
  readonly role: string;
  readonly storage: StateStorage;
  /** The containers of the job model. */
  readonly containers: ReadonlySet<string>;
  readonly reservations: ReadonlyMap<string, ContainerReservation>;
  /** Container id → the recorded reservation it gave up. */
  readonly givenUp: ReadonlyMap<string, ContainerReservation>;
}

export interface OrphanResult {
  readonly outcome: Outcome;
  /** The offer without its orphans: freshly unreserved resources come back in a later offer. */
  readonly remaining: readonly Resource[];
}

/** Why `resource` is an orphan, or undefined if it is not one of ours or is still owned. */
function orphanReason(resource: Resource, offer: Offer, context: OrphanContext): string | undefined {
  const owner = ownerOf(resource, context.job);
  // Only our role's reservations can be unreserved by us; another role's is not ours to judge.
  if (owner === undefined || reservedRole(resource) !== context.role) return undefined;
  if (!context.containers.has(owner.container)) return `container ${owner.container} is no longer in the job model`;
  if (context.storage.kind === 'host-dir') return `container ${owner.container} keeps its state in a host dir now`;
  const current = context.reservations.get(owner.container);
  if (current === undefined || current.agentId !== offer.agent_id.value || !current.resourceIds.includes(owner.resourceId)) {
    return `container ${owner.container} has moved to another reservation`;
  }
  if (context.givenUp.has(owner.container)) return `container ${owner.container} gave this reservation up after failing on this agent`;
  return undefined;
}

export function evaluateOrphans(resources: readonly Resource[], offer: Offer, context: OrphanContext): OrphanResult {
  const byReason = new Map<string, Resource[]>();
  for (const resource of resources) {
    const reason = orphanReason(resource, offer, context);
    if (reason !== undefined) byReason.set(reason, [...(byReason.get(reason) ?? []), resource]);
  }
  const orphans = [...byReason.values()].flat();
  if (orphans.length === 0) return { outcome: pass('orphans', 'no orphaned reservations'), remaining: resources };
  const volumes = orphans.filter((r) => r.disk?.persistence !== undefined);
  const operations = [...(volumes.length > 0 ? [destroyOperation(volumes)] : []), unreserveOperation(orphans.map(withoutVolume))];
  const reasons = [...byReason].map(([reason, list]) => `${reason} (${list.map(describeResource).join(', ')})`);
  return { outcome: pass('orphans', `releases ${reasons.join('; ')}`, operations), remaining: subtractResources(resources, orphans) };
}
