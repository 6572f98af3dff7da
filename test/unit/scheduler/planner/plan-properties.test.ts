import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Offer, Resource } from '../../../../shared/mesos/index.js';
import { planOffers, type OfferPlan } from '../../../../scheduler/planner/index.js';
import { readyAt } from '../../../../scheduler/planner/context.js';
import { permute, scenario, snapshotOf, offersOf, type Scenario } from './arbitraries.js';
import { exhaustivePlacements } from './exhaustive-choice.js';
import { JOB, ROLE, SETTINGS } from './fixtures.js';
import { applyAccept } from './mesos-oracle.js';

const sum = (resources: readonly Resource[], name: string): number =>
  Math.round(resources.filter((r) => r.name === name && r.type === 'SCALAR').reduce((s, r) => s + (r.scalar?.value ?? 0), 0) * 1000) / 1000;
const portsOf = (resources: readonly Resource[]): number[] =>
  resources
    .filter((r) => r.name === 'ports')
    .flatMap((r) => (r.ranges?.range ?? []).flatMap((x) => Array.from({ length: x.end - x.begin + 1 }, (_, i) => x.begin + i)));
const label = (resource: Resource, key: string): string | undefined =>
  resource.reservations?.at(-1)?.labels?.labels?.find((l) => l.key === key)?.value;
const offerById = (offers: readonly Offer[], id: string): Offer => {
  const found = offers.find((o) => o.id.value === id);
  assert.ok(found, `offer ${id}`);
  return found;
};

test('property: the mini Mesos accepts every plan; no piece goes to two containers; no offer is exceeded', () => {
  fc.assert(
    fc.property(scenario(false), (s) => {
      const offers = offersOf(s);
      const plan = planOffers(snapshotOf(s, offers));
      for (const accept of plan.accepts) {
        const offered = offerById(offers, accept.offerId);
        const result = applyAccept(offered, accept.operations);
        assert.deepEqual(result.errors, []);
        // Spelled out as well: per offer, tasks' totals stay within it, ports and reservation ids never repeat.
        const tasks = result.tasks;
        for (const name of ['cpus', 'mem', 'disk']) assert.ok(sum(tasks.flat(), name) <= sum(offered.resources ?? [], name));
        const ports = tasks.flatMap(portsOf);
        assert.equal(new Set(ports).size, ports.length);
        assert.ok(ports.every((p) => portsOf(offered.resources ?? []).includes(p)));
        const ids = tasks.map((t) => new Set(t.map((r) => label(r, 'resource_id')).filter((x) => x !== undefined)));
        ids.forEach((a, i) => ids.slice(i + 1).forEach((b) => assert.ok([...a].every((id) => !b.has(id)))));
        assert.deepEqual(
          accept.containers,
          plan.placements.filter((p) => p.offerId === accept.offerId).map((p) => p.container),
        );
      }
      const placed = plan.placements.map((p) => p.container);
      assert.equal(new Set(placed).size, placed.length);
      assert.ok(placed.every((c) => !plan.waiting.includes(c)));
    }),
  );
});

/** What the offer holds after the plan's placements, orphans not yet released (they come back in a later offer). */
function leftover(plan: OfferPlan, offered: Offer): Resource[] {
  const operations = plan.accepts.find((a) => a.offerId === offered.id.value)?.operations ?? [];
  return applyAccept(
    offered,
    operations.filter((o) => o.type !== 'DESTROY' && o.type !== 'UNRESERVE'),
  ).leftover;
}

/** An independent fit check, in the mini Mesos's internal form (no allocation_info). */
function couldRun(container: string, s: Scenario, resources: readonly Resource[], offered: Offer): boolean {
  const want = s.resources;
  const unreserved = resources.filter((r) => (r.reservations ?? []).length === 0);
  const free = resources.filter((r) => (r.reservations ?? []).every((x) => x.type === 'STATIC' && x.role === ROLE));
  const portsFit = portsOf(free).length >= want.ports;
  const plainDisk = (list: readonly Resource[]) =>
    sum(
      list.filter((r) => r.disk === undefined),
      'disk',
    );
  if (s.storage.kind === 'host-dir') {
    return portsFit && sum(free, 'cpus') >= want.cpus && sum(free, 'mem') >= want.memMb && plainDisk(free) >= want.diskMb;
  }
  const reservation = s.reservations.get(container);
  // A container that failed on its reservation's agent often enough has given that reservation up.
  const state = s.states[Number(container)];
  const last = state?.kind === 'failed' ? state.last : undefined;
  const givenUp = last !== undefined && last.agentId === reservation?.agentId && last.onAgent >= SETTINGS.giveUpVolumeAfterFailures;
  if (!givenUp && reservation?.agentId === offered.agent_id.value) {
    const mine = resources.filter((r) => label(r, 'sluice_job') === JOB && label(r, 'sluice_container') === container);
    const present = new Set(mine.map((r) => label(r, 'resource_id')));
    const volume = mine.filter((r) => r.disk?.persistence?.id === reservation.persistenceId);
    const whole = reservation.resourceIds.every((id) => present.has(id)) && volume.length > 0;
    const enough =
      sum(mine, 'cpus') >= want.cpus &&
      sum(mine, 'mem') >= want.memMb &&
      plainDisk(mine) >= want.diskMb &&
      sum(volume, 'disk') >= s.storage.sizeMb;
    if (whole && enough) return portsFit;
  }
  return (
    portsFit &&
    sum(unreserved, 'cpus') >= want.cpus &&
    sum(unreserved, 'mem') >= want.memMb &&
    plainDisk(unreserved) >= s.storage.sizeMb + want.diskMb
  );
}

test('property: once waits and backoffs are over, a container is left waiting only if it fits nowhere', () => {
  fc.assert(
    fc.property(scenario(true), (s) => {
      const offers = offersOf(s);
      const plan = planOffers(snapshotOf(s, offers));
      for (const container of plan.waiting) {
        for (const offered of offers)
          assert.equal(couldRun(container, s, leftover(plan, offered), offered), false, `${container} fits ${offered.id.value}`);
      }
      // Nobody is given up on: every failed container of the job model waits or is placed, and has its error.
      const failed = Array.from({ length: s.containerCount }, (_, i) => String(i)).filter((id) => s.states[Number(id)]?.kind === 'failed');
      assert.deepEqual(
        plan.errors.map((e) => [e.code, e.container]),
        failed.map((id) => ['CONTAINER_FAILING', id]),
      );
      assert.ok(failed.every((id) => plan.waiting.includes(id) || plan.placements.some((p) => p.container === id)));
      assert.equal(plan.offerStream, plan.waiting.length > 0 ? (s.suppressed ? 'revive' : 'none') : s.suppressed ? 'none' : 'suppress');
    }),
  );
});

test('property: the plan is a function of the facts, whatever order the offers came in', () => {
  fc.assert(
    fc.property(scenario(false), fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), (s, keys) => {
      const plan = planOffers(snapshotOf(s));
      assert.deepEqual(planOffers(snapshotOf(s)), plan);
      assert.deepEqual(planOffers(snapshotOf(s, permute(offersOf(s), keys))), plan);
    }),
  );
});

test('property: declines carry the short filter exactly while something waits, cut to the soonest backoff end', () => {
  fc.assert(
    fc.property(scenario(false), (s) => {
      const snapshot = snapshotOf(s);
      const plan = planOffers(snapshot);
      const backoffEnds = plan.waiting
        .map((id) => (readyAt(snapshot.containers.get(id), snapshot.settings) - snapshot.now) / 1000)
        .filter((seconds) => seconds > 0);
      const expected = plan.waiting.length > 0 ? Math.max(0.5, Math.min(5, ...backoffEnds)) : 120;
      for (const call of [...plan.accepts, ...plan.declines]) assert.equal(call.filters.refuse_seconds, expected);
      assert.equal(plan.accepts.length + plan.declines.length, s.agents.length);
    }),
  );
});

test('property: the indexed planner places exactly as evaluating every container against every offer would', () => {
  fc.assert(
    fc.property(scenario(false), fc.boolean(), (s, sharedHosts) => {
      // Two agents on one host and two offers of one agent, too: the indexes must not lose either.
      const offers = offersOf(s).map((o, i) =>
        sharedHosts ? { ...o, hostname: `host-${(i % 2) + 1}`, agent_id: { value: `S${(i % 3) + 1}` } } : o,
      );
      const plan = planOffers(snapshotOf(s, offers));
      assert.deepEqual(
        plan.placements.map((p) => [p.container, p.offerId]),
        exhaustivePlacements(snapshotOf(s, offers)),
      );
    }),
    { numRuns: 500 },
  );
});
