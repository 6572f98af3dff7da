import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelayMs } from '../../../../../shared/backoff.js';
import { readyAt } from '../../../../../scheduler/planner/context.js';
import { evaluateBackoff } from '../../../../../scheduler/planner/stages/backoff.js';
import { containerOf, NOW, SETTINGS } from '../fixtures.js';

test('the delay is 1 s, doubling per failure, capped at 60 s', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 6, 7, 8, 5000].map((n) => backoffDelayMs(n, { initialMs: SETTINGS.backoffInitialMs, maxMs: SETTINGS.backoffMaxMs })),
    [0, 1000, 2000, 4000, 32000, 60000, 60000, 60000],
  );
});

test('a failed container is ready at its last failure plus the delay; a pending one at once', () => {
  assert.equal(readyAt({ kind: 'failed', attempts: 3, lastFailureAt: NOW }, SETTINGS), NOW + 4000);
  assert.equal(readyAt({ kind: 'pending', since: NOW - 5 }, SETTINGS), NOW - 5);
  assert.equal(readyAt(undefined, SETTINGS), Number.NEGATIVE_INFINITY);
});

test('the stage holds a failed container until its backoff ends', () => {
  const failed = containerOf({ failures: 3, readyAt: NOW + 2500 });
  assert.deepEqual(evaluateBackoff(failed, NOW), {
    ok: false,
    stage: 'backoff',
    reason: '3 consecutive failures; backing off 2.5 s more',
    operations: [],
  });
  assert.deepEqual(evaluateBackoff(failed, NOW + 3000), {
    ok: true,
    stage: 'backoff',
    reason: '3 consecutive failures; the backoff ended 0.5 s ago',
    operations: [],
  });
  assert.equal(evaluateBackoff(containerOf(), NOW).reason, 'no failures to back off from');
});
