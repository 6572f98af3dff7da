import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateRole } from '../../../../../scheduler/planner/stages/role.js';
import { dynamic, ROLE, scalar } from '../fixtures.js';

test('unreserved and own-role resources are usable; another role is named and left out', () => {
  const mine = scalar('cpus', 1, dynamic('0', 'r1'));
  const theirs = scalar('mem', 512, [{ type: 'STATIC', role: 'analytics' }]);
  const result = evaluateRole([scalar('cpus', 2), mine, theirs], ROLE);
  assert.deepEqual(result.usable, [scalar('cpus', 2), mine]);
  assert.equal(result.outcome.ok, true);
  assert.equal(result.outcome.reason, "2 resource(s) usable by role 'sluice'; ignored mem(analytics):512");
});

test('an offer with nothing for the role fails, and so does an offer already used up', () => {
  const other = evaluateRole([scalar('cpus', 2, [{ type: 'STATIC', role: 'analytics' }])], ROLE);
  assert.equal(other.outcome.ok, false);
  assert.equal(other.outcome.reason, "nothing is unreserved or reserved for role 'sluice'; ignored cpus(analytics):2");
  assert.equal(evaluateRole([], ROLE).outcome.reason, 'nothing is left of this offer');
});
