import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Resource } from '../../../../shared/mesos/index.js';
import { toPostRefinement } from '../../../../scheduler/planner/resource-format.js';
import {
  containsResources,
  mergeResources,
  pickPorts,
  portNumbers,
  subtractResources,
  takeScalar,
} from '../../../../scheduler/planner/resource-math.js';

const cpus = (value: number, role?: string): Resource => ({
  name: 'cpus',
  type: 'SCALAR',
  scalar: { value },
  ...(role === undefined ? {} : { reservations: [{ type: 'STATIC', role }] }),
});
const ports = (...ranges: [number, number][]): Resource => ({
  name: 'ports',
  type: 'RANGES',
  ranges: { range: ranges.map(([begin, end]) => ({ begin, end })) },
});

test('scalars count in thousandths, as Mesos does: 0.1 + 0.2 cores make 0.3', () => {
  assert.deepEqual(takeScalar([cpus(0.1), cpus(0.2, 'sluice')], 'cpus', 0.3), [cpus(0.1), cpus(0.2, 'sluice')]);
  assert.deepEqual(subtractResources([cpus(0.3)], [cpus(0.1), cpus(0.2)]), []);
  assert.equal(takeScalar([cpus(0.25)], 'cpus', 0.3), undefined);
});

test('ports are picked lowest first across ranges, as pieces of their resources', () => {
  assert.deepEqual(pickPorts([ports([31010, 31012], [31000, 31001])], 3), [ports([31000, 31001], [31010, 31010])]);
  assert.equal(pickPorts([ports([1, 2])], 3), undefined);
  assert.deepEqual(pickPorts([ports([1, 2])], 0), []);
  assert.deepEqual(portNumbers([ports([5, 6], [1, 1])]), [1, 5, 6]);
});

test('resources of different reservations never merge or stand in for each other', () => {
  assert.deepEqual(mergeResources([cpus(1), cpus(1, 'sluice'), cpus(2)]), [cpus(3), cpus(1, 'sluice')]);
  assert.equal(containsResources([cpus(4)], [cpus(1, 'sluice')]), false);
});

test('pre-refinement resources become one reservation on the stack', () => {
  assert.deepEqual(toPostRefinement({ ...cpus(1), role: '*' }), cpus(1));
  assert.deepEqual(toPostRefinement({ ...cpus(1), role: 'sluice' }), cpus(1, 'sluice'));
  assert.deepEqual(toPostRefinement({ ...cpus(1), role: 'sluice', reservation: { principal: 'p' } }), {
    ...cpus(1),
    reservations: [{ type: 'DYNAMIC', role: 'sluice', principal: 'p' }],
  });
});

test('property: a picked claim is contained, and taking it leaves exactly the rest', () => {
  const rangeList = fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20 })), { minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(rangeList, fc.nat(60), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), (raw, count, have, want) => {
      const pool = [cpus(have / 10), ports(...raw.map(([b, len]): [number, number] => [b, b + len]))];
      const picked = pickPorts(pool, count);
      const taken = takeScalar(pool, 'cpus', want / 10);
      const total = portNumbers(pool).length;
      assert.equal(picked === undefined, count > total);
      assert.equal(taken === undefined, want > have);
      const claim = [...(picked ?? []), ...(taken ?? [])];
      assert.ok(containsResources(pool, claim));
      const rest = subtractResources(pool, claim);
      assert.equal(portNumbers(rest).length, total - portNumbers(claim).length);
      assert.ok(portNumbers(rest).every((p) => !portNumbers(claim).includes(p)));
      assert.equal(Math.round((rest.find((r) => r.name === 'cpus')?.scalar?.value ?? 0) * 10), taken === undefined ? have : have - want);
    }),
  );
});
