import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../../shared/mesos/index.js';
import { formatDuration } from '../../../dev/mini-mesos/agent/executor-env.js';
import { toInternal, toOffered } from '../../../dev/mini-mesos/resources/resource-format.js';
import { addResources, containsResources, subtractResources } from '../../../dev/mini-mesos/resources/resource-math.js';

const cpus = (value: number, role?: string): Resource => ({
  name: 'cpus',
  type: 'SCALAR',
  scalar: { value },
  reservations: role === undefined ? undefined : [{ type: 'DYNAMIC', role, principal: 'p' }],
});
const ports = (...ranges: Array<[number, number]>): Resource => ({
  name: 'ports',
  type: 'RANGES',
  ranges: { range: ranges.map(([begin, end]) => ({ begin, end })) },
});

test('scalars add and subtract with Mesos’s 0.001 precision; reserved and unreserved stay apart', () => {
  assert.deepEqual(addResources([cpus(0.1)], [cpus(0.2)]), [cpus(0.3)]);
  assert.deepEqual(subtractResources([cpus(1)], [cpus(0.7)]), [cpus(0.3)]);
  assert.deepEqual(subtractResources([cpus(1)], [cpus(1)]), []);
  assert.deepEqual(addResources([cpus(1)], [cpus(1, 'r')]), [cpus(1), cpus(1, 'r')]);
  assert.ok(containsResources([cpus(1), cpus(1, 'r')], [cpus(0.5, 'r')]));
  assert.ok(!containsResources([cpus(1)], [cpus(0.5, 'r')]), 'unreserved does not cover reserved');
  assert.ok(!containsResources([cpus(1)], [cpus(1.001)]));
});

test('ranges coalesce, split on subtraction, and are contained piecewise', () => {
  assert.deepEqual(addResources([ports([1, 3])], [ports([4, 6], [10, 12])]), [ports([1, 6], [10, 12])]);
  assert.deepEqual(subtractResources([ports([31000, 32000])], [ports([31000, 31000], [31500, 31501])]), [
    ports([31001, 31499], [31502, 32000]),
  ]);
  assert.ok(containsResources([ports([1, 6], [10, 12])], [ports([2, 3], [11, 11])]));
  assert.ok(!containsResources([ports([1, 6])], [ports([6, 7])]));
});

test('pre-refinement resources upgrade on the way in and downgrade on the way out', () => {
  const legacy: Resource = {
    name: 'cpus',
    type: 'SCALAR',
    scalar: { value: 1 },
    role: 'r',
    reservation: { principal: 'p' },
    allocation_info: { role: 'r' },
  };
  const internal = toInternal(legacy);
  assert.deepEqual(internal, {
    name: 'cpus',
    type: 'SCALAR',
    scalar: { value: 1 },
    reservations: [{ type: 'DYNAMIC', role: 'r', principal: 'p', labels: undefined }],
  });
  const offered = toOffered(internal, 'r', { user: 'u', name: 'n' });
  assert.deepEqual(
    [offered.role, offered.reservation?.principal, offered.reservations, offered.allocation_info],
    ['r', 'p', undefined, { role: 'r' }],
  );
  const refined = toOffered(internal, 'r', { user: 'u', name: 'n', capabilities: [{ type: 'RESERVATION_REFINEMENT' }] });
  assert.deepEqual([refined.role, refined.reservations?.[0]?.role], [undefined, 'r']);
});

test('durations print like stout’s Duration', () => {
  assert.equal(formatDuration(5000), '5secs');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(90_000), '90secs');
  assert.equal(formatDuration(15 * 60_000), '15mins');
  assert.equal(formatDuration(2 * 7 * 24 * 3_600_000), '2weeks');
  assert.equal(formatDuration(1500), '1500ms');
});
