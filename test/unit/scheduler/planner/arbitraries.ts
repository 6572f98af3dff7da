/**
 * Random planning situations: a few agents with small, contended offers (few ports, a core or
 * two), containers in every state (failed ones with or without the agent of their last
 * failures), reservations offered whole, in part or not at all, orphans of removed containers
 * and stale ids, and other roles' resources mixed in.
 */
import fc from 'fast-check';
import type { Offer, Resource } from '../../../../shared/mesos/index.js';
import type {
  ContainerReservation,
  ContainerResources,
  ContainerState,
  PlannerSnapshot,
  StateStorage,
} from '../../../../scheduler/planner/snapshot.js';
import { counter, dynamic, jobModel, NOW, offer, ports, PRINCIPAL, ROLE, scalar, snapshot } from './fixtures.js';

export interface Scenario {
  readonly containerCount: number;
  readonly resources: ContainerResources;
  readonly storage: StateStorage;
  readonly agents: readonly Resource[][];
  readonly states: readonly (ContainerState | undefined)[];
  readonly lastHosts: readonly (number | undefined)[];
  readonly reservations: ReadonlyMap<string, ContainerReservation>;
  readonly suppressed: boolean;
}

type Part = 'complete' | 'partial' | 'small' | 'absent';

/**
 * A container's reservation as the agent offers it back: whole, without its cpus, or with less
 * mem than the container asks for now.
 */
function reservedResources(
  container: string,
  reservation: ContainerReservation,
  want: ContainerResources,
  sizeMb: number,
  part: Part,
): Resource[] {
  const [cpusId = '', memId = '', diskId = ''] = reservation.resourceIds;
  const volume: Resource = {
    ...scalar('disk', sizeMb, dynamic(container, `${container}-volume`)),
    disk: { persistence: { id: reservation.persistenceId, principal: PRINCIPAL }, volume: { container_path: 'state', mode: 'RW' } },
  };
  const all = [
    scalar('cpus', want.cpus, dynamic(container, cpusId)),
    scalar('mem', part === 'small' ? want.memMb / 2 : want.memMb, dynamic(container, memId)),
    ...(want.diskMb > 0 ? [scalar('disk', want.diskMb, dynamic(container, diskId))] : []),
    volume,
  ];
  return part === 'partial' ? all.slice(1) : all;
}

const stateArb = (settled: boolean): fc.Arbitrary<ContainerState | undefined> =>
  fc.oneof(
    fc.constant(undefined),
    fc.nat(120_000).map((ago) => ({ kind: 'pending' as const, since: NOW - (settled ? 60_000 + ago : ago) })),
    fc
      .record({
        attempts: fc.integer({ min: 1, max: 12 }),
        ago: fc.nat(200_000),
        // Where the last failures happened, when known: sometimes on a container's reservation's agent, often enough to give it up.
        last: fc.option(fc.record({ agent: fc.nat(4), onAgent: fc.integer({ min: 1, max: 4 }) }), { nil: undefined }),
      })
      .map(({ attempts, ago, last }): ContainerState => ({
        kind: 'failed',
        attempts,
        lastFailureAt: NOW - (settled ? 100_000 + ago : ago),
        ...(last === undefined
          ? {}
          : { last: { agentId: `S${last.agent + 1}`, hostname: `host-${last.agent + 1}`, onAgent: Math.min(last.onAgent, attempts) } }),
      })),
    fc.constant({ kind: 'running' as const, agentId: 'S1' }),
    fc.constant({ kind: 'launching' as const, agentId: 'S2' }),
    fc.constant({ kind: 'killing' as const }),
  );

const agentArb = fc.record({
  cpus: fc.integer({ min: 0, max: 8 }),
  mem: fc.integer({ min: 0, max: 12 }),
  disk: fc.integer({ min: 0, max: 12 }),
  ports: fc.array(fc.tuple(fc.integer({ min: 31000, max: 31010 }), fc.nat(3)), { maxLength: 2 }),
  otherRole: fc.boolean(),
  orphan: fc.constantFrom('none', 'removed', 'stale'),
});

/** `settled`: every backoff and locality wait is over. */
export function scenario(settled: boolean): fc.Arbitrary<Scenario> {
  return fc
    .record({
      containerCount: fc.integer({ min: 1, max: 6 }),
      resources: fc.record({
        cpus: fc.constantFrom(0.5, 1, 1.5),
        memMb: fc.constantFrom(256, 512, 1024),
        diskMb: fc.constantFrom(0, 128),
        ports: fc.integer({ min: 0, max: 3 }),
      }),
      volume: fc.option(fc.constantFrom(256, 1024), { nil: undefined }),
      agents: fc.array(agentArb, { minLength: 0, maxLength: 4 }),
      states: fc.array(stateArb(settled), { minLength: 6, maxLength: 6 }),
      lastHosts: fc.array(fc.option(fc.nat(4), { nil: undefined }), { minLength: 6, maxLength: 6 }),
      reserved: fc.array(fc.record({ agent: fc.nat(4), part: fc.constantFrom<Part>('complete', 'partial', 'small', 'absent') }), {
        minLength: 6,
        maxLength: 6,
      }),
      suppressed: fc.boolean(),
    })
    .map(({ containerCount, resources, volume, agents, states, lastHosts, reserved, suppressed }) => {
      const storage: StateStorage =
        volume === undefined ? { kind: 'host-dir', path: '/srv' } : { kind: 'persistent-volume', sizeMb: volume, containerPath: 'state' };
      const offered: Resource[][] = agents.map((a, i) => {
        const own = [scalar('cpus', a.cpus / 2), scalar('mem', a.mem * 256), scalar('disk', a.disk * 256)];
        if (a.ports.length > 0) own.push(ports(...a.ports.map(([b, len]): [number, number] => [b, b + len])));
        if (a.otherRole) own.push(scalar('cpus', 2, [{ type: 'STATIC', role: 'analytics' }]));
        if (a.orphan === 'removed') own.push(scalar('mem', 256, dynamic('99', `orphan-${i}`)));
        if (a.orphan === 'stale') own.push(scalar('cpus', 0.5, dynamic('0', `stale-${i}`)));
        return own;
      });
      const reservations = new Map<string, ContainerReservation>();
      if (volume !== undefined) {
        reserved.slice(0, containerCount).forEach(({ agent, part }, c) => {
          if (agent >= agents.length) return;
          const id = String(c);
          const resourceIds = [`${id}-cpus`, `${id}-mem`, ...(resources.diskMb > 0 ? [`${id}-disk`] : []), `${id}-volume`];
          const reservation = { agentId: `S${agent + 1}`, hostname: `host-${agent + 1}`, resourceIds, persistenceId: `${id}-pv` };
          reservations.set(id, reservation);
          if (part !== 'absent') offered[agent]?.push(...reservedResources(id, reservation, resources, volume, part));
        });
      }
      return { containerCount, resources, storage, agents: offered, states, lastHosts, reservations, suppressed };
    });
}

export function offersOf(s: Scenario): Offer[] {
  return s.agents.map((resources, i) => ({ ...offer(i + 1, resources), allocation_info: { role: ROLE } }));
}

/** A fresh snapshot (with a fresh uuid counter) of the scenario, offers in the given order. */
export function snapshotOf(s: Scenario, offers: readonly Offer[] = offersOf(s)): PlannerSnapshot {
  const ids = Array.from({ length: s.containerCount }, (_, i) => String(i));
  const states = new Map<string, ContainerState>();
  const lastHosts = new Map<string, string>();
  ids.forEach((id, i) => {
    const state = s.states[i];
    if (state !== undefined) states.set(id, state);
    const host = s.lastHosts[i];
    if (host !== undefined) lastHosts.set(id, `host-${host + 1}`);
  });
  return snapshot({
    jobModel: jobModel(ids),
    resources: s.resources,
    storage: s.storage,
    containers: states,
    lastHosts,
    reservations: s.reservations,
    offers,
    offersSuppressed: s.suppressed,
    newUuid: counter(),
  });
}

/** A deterministic permutation driven by `keys`. */
export function permute<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.item);
}
