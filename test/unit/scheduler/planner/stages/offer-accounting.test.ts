import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateAccounting } from '../../../../../scheduler/planner/stages/offer-accounting.js';
import { agentResources, ports, scalar } from '../fixtures.js';

const claim = (cpus: number, from: number, to: number) => {
  const taken = [scalar('cpus', cpus), scalar('mem', 1024), ports([from, to])];
  return { taken, task: taken, reservation: undefined };
};

test('a claim is debited, so the next container sees only the rest', () => {
  const first = evaluateAccounting(agentResources(), claim(1, 31000, 31001), []);
  assert.equal(first.outcome.ok, true);
  assert.equal(first.outcome.reason, 'fits in what is left; leaves cpus 3, mem 3072 MB, disk 10240 MB, 999 ports');
  assert.deepEqual(first.remaining, [scalar('cpus', 3), scalar('mem', 3072), scalar('disk', 10240), ports([31002, 32000])]);
  const second = evaluateAccounting(first.remaining, claim(1, 31002, 31002), ['0']);
  assert.equal(
    second.outcome.reason,
    'fits in what is left (already hosts container 0); leaves cpus 2, mem 2048 MB, disk 10240 MB, 998 ports',
  );
});

test('resources another container already has are refused, and the offer is unchanged', () => {
  const first = evaluateAccounting(agentResources(), claim(1, 31000, 31001), []);
  const clash = evaluateAccounting(first.remaining, claim(1, 31001, 31001), ['0']);
  assert.equal(clash.outcome.ok, false);
  assert.equal(clash.outcome.reason, 'cpus(*):1, mem(*):1024, ports(*):[31001] is not all left in the offer (already hosts container 0)');
  assert.deepEqual(clash.remaining, first.remaining);
});

test('nothing to account for when the resources did not fit', () => {
  const result = evaluateAccounting(agentResources(), undefined, ['0', '1']);
  assert.deepEqual([result.outcome.ok, result.outcome.reason], [false, 'nothing to take: no fit (already hosts containers 0, 1)']);
});
