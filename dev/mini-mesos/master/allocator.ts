/**
 * Offers: what each registered agent has free (total − live tasks and executors − outstanding
 * offers) goes out every allocation interval, and soon after a subscribe, a revive or an agent
 * (re)registration, as Mesos's hierarchical allocator does. Simplified fairness: per agent, the
 * subscribed framework with the fewest allocated cpus gets first pick (DRF on one resource).
 * Unreserved resources go to any role, reserved ones only to their role; a framework gets one
 * offer per agent and role with `allocation_info.role` set, if it holds at least the minimum
 * allocatable resources.
 *
 * Refuse filters (DECLINE, and what an ACCEPT leaves unused) hold back an agent's resources from
 * a framework while they are a subset of what it refused, like the allocator's
 * RefusedOfferFilter; REVIVE clears them; SUPPRESS stops offers for roles until REVIVE.
 */
import type { Filters, Offer, Resource } from '../../../shared/mesos/index.js';
import { toOffered } from '../resources/resource-format.js';
import { containsResources, isReserved, reservedRole, scalarOf, subtractResources } from '../resources/resource-math.js';
import type { Framework } from './framework-registry.js';
import type { Master } from './master.js';

export interface OfferRecord {
  id: string;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resource[];
}

interface RefuseFilter {
  frameworkId: string;
  agentId: string;
  resources: Resource[];
  until: number;
}

/** `--min_allocatable_resources` default "cpus:0.01|mem:32": smaller leftovers are not offered. */
function allocatable(resources: Resource[]): boolean {
  return scalarOf(resources, 'cpus') >= 0.01 || scalarOf(resources, 'mem') >= 32;
}

/** Filters.refuse_seconds: default 5 s, a negative value means the default, at most a year. */
export function refuseSeconds(filters: Filters | undefined): number {
  const value = filters?.refuse_seconds ?? 5;
  if (value < 0) return 5;
  return Math.min(value, 365 * 24 * 3600);
}

export class Allocator {
  readonly offers = new Map<string, OfferRecord>();
  private filters: RefuseFilter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Immediate | undefined;

  constructor(
    private readonly master: Master,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.allocate(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.pending !== undefined) clearImmediate(this.pending);
    this.pending = undefined;
  }

  /** Batches event-triggered allocations, as the allocator's `allocate()` does. */
  allocateSoon(): void {
    this.pending ??= setImmediate(() => {
      this.pending = undefined;
      this.allocate();
    });
  }

  offeredOn(agentId: string): Resource[] {
    return [...this.offers.values()].filter((offer) => offer.agentId === agentId).flatMap((offer) => offer.resources);
  }

  allocate(): void {
    const now = Date.now();
    this.filters = this.filters.filter((filter) => filter.until > now);
    const batches = new Map<string, Offer[]>();
    for (const agent of this.master.registeredAgents()) {
      let available = subtractResources(
        subtractResources(agent.resources.total, this.master.tasks.usedOn(agent.id)),
        this.offeredOn(agent.id),
      );
      for (const framework of this.candidates()) {
        for (const role of this.master.frameworks.activeRoles(framework)) {
          const offerable = available.filter((resource) => !isReserved(resource) || reservedRole(resource) === role);
          if (!allocatable(offerable) || this.isFiltered(framework.id, agent.id, offerable)) continue;
          const id = this.master.ids.offer();
          this.offers.set(id, { id, frameworkId: framework.id, agentId: agent.id, role, resources: offerable });
          available = subtractResources(available, offerable);
          const batch = batches.get(framework.id) ?? [];
          batch.push({
            id: { value: id },
            framework_id: { value: framework.id },
            agent_id: { value: agent.id },
            hostname: agent.hostname,
            resources: offerable.map((resource) => toOffered(resource, role, framework.info)),
            executor_ids: this.master.tasks.executorIds(framework.id, agent.id).map((value) => ({ value })),
            allocation_info: { role },
          });
          batches.set(framework.id, batch);
        }
      }
    }
    for (const [frameworkId, offers] of batches) this.master.frameworks.send(frameworkId, { type: 'OFFERS', offers: { offers } });
  }

  /**
   * Takes the offers an ACCEPT or DECLINE names, as master.cpp does: every valid one is removed
   * even if another is invalid; `error` says what was wrong (validation::offer::validate).
   */
  take(frameworkId: string, offerIds: readonly string[]): { records: OfferRecord[]; error: string | undefined } {
    const records: OfferRecord[] = [];
    let error: string | undefined;
    for (const offerId of offerIds) {
      const record = this.offers.get(offerId);
      if (record === undefined) error ??= `Offer ${offerId} is no longer valid`;
      else if (record.frameworkId !== frameworkId)
        error ??= `Offer ${offerId} has invalid framework ${record.frameworkId} while framework ${frameworkId} is expected`;
      else {
        this.offers.delete(offerId);
        records.push(record);
      }
    }
    if (new Set(offerIds).size !== offerIds.length) error ??= 'Duplicate offer in accept';
    const agents = new Set(records.map((record) => record.agentId));
    if (agents.size > 1) error ??= `Aggregated offers must belong to one single agent, got agents ${[...agents].join(', ')}`;
    return { records, error };
  }

  /** Resources back from an offer; a refuse filter unless `refuse` is 0. */
  recover(frameworkId: string, agentId: string, resources: Resource[], refuse: number): void {
    if (refuse > 0 && resources.length > 0) {
      this.filters.push({ frameworkId, agentId, resources, until: Date.now() + refuse * 1000 });
    }
  }

  revive(framework: Framework, roles: readonly string[]): void {
    this.filters = this.filters.filter((filter) => filter.frameworkId !== framework.id);
    if (roles.length === 0) framework.suppressedRoles.clear();
    else for (const role of roles) framework.suppressedRoles.delete(role);
    this.allocateSoon();
  }

  suppress(framework: Framework, roles: readonly string[]): void {
    const all = roles.length === 0 ? this.master.frameworks.activeRoles(framework) : roles;
    for (const role of all) framework.suppressedRoles.add(role);
  }

  /** The agent is gone: its outstanding offers are rescinded (RESCIND events). */
  rescindAgent(agentId: string): void {
    for (const offer of [...this.offers.values()]) {
      if (offer.agentId !== agentId) continue;
      this.offers.delete(offer.id);
      this.master.frameworks.send(offer.frameworkId, { type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
    }
  }

  /** The framework failed over, disconnected or was removed: its offers vanish without RESCIND. */
  discardFramework(frameworkId: string): void {
    for (const offer of [...this.offers.values()]) if (offer.frameworkId === frameworkId) this.offers.delete(offer.id);
    this.filters = this.filters.filter((filter) => filter.frameworkId !== frameworkId);
  }

  private isFiltered(frameworkId: string, agentId: string, resources: Resource[]): boolean {
    return this.filters.some(
      (filter) => filter.frameworkId === frameworkId && filter.agentId === agentId && containsResources(filter.resources, resources),
    );
  }

  /** Subscribed frameworks, fewest allocated cpus first. */
  private candidates(): Framework[] {
    const allocated = (framework: Framework): number =>
      scalarOf(
        [
          ...this.master.tasks.ofFramework(framework.id).flatMap((task) => task.resources),
          ...[...this.offers.values()].filter((offer) => offer.frameworkId === framework.id).flatMap((offer) => offer.resources),
        ],
        'cpus',
      );
    return this.master.frameworks
      .connected()
      .map((framework) => ({ framework, share: allocated(framework) }))
      .sort((a, b) => a.share - b.share)
      .map(({ framework }) => framework);
  }
}
