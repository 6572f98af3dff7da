import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateLocality } from '../../../../../scheduler/planner/stages/locality.js';
import { containerOf, NOW, offer } from '../fixtures.js';

const waiting = containerOf({ preferredHost: 'host-1', readyAt: NOW - 10_000, waitUntil: NOW + 20_000 });

test('the previous host is taken at once and ranks first', () => {
  const result = evaluateLocality(waiting, offer(1), NOW);
  assert.equal(result.outcome.ok, true);
  assert.equal(result.outcome.reason, "on 'host-1', where its state is");
  assert.equal(result.rank, 0);
});

test('another host is refused during the wait', () => {
  const result = evaluateLocality(waiting, offer(2), NOW);
  assert.equal(result.outcome.ok, false);
  assert.equal(result.outcome.reason, "waiting 20 s more for 'host-1', where its state is; offer is from 'host-2'");
});

test('after the wait any host will do, ranked after the previous one', () => {
  const result = evaluateLocality(waiting, offer(2), NOW + 20_000);
  assert.equal(result.outcome.ok, true);
  assert.equal(result.outcome.reason, "the wait for 'host-1' is over; 'host-2' will do");
  assert.equal(result.rank, 1);
});

test('a container without a previous host takes any host', () => {
  const result = evaluateLocality(containerOf(), offer(2), NOW);
  assert.deepEqual([result.outcome.ok, result.outcome.reason, result.rank], [true, 'no previous host; any host will do', 1]);
});

test('the agent it keeps failing on is refused while other agents may offer, then passes but ranks last', () => {
  const avoid = { agentId: 'S1', hostname: 'host-1', onAgent: 2 };
  const shunning = containerOf({ avoid, readyAt: NOW, waitUntil: NOW, avoidUntil: NOW + 30_000 });
  const early = evaluateLocality(shunning, offer(1), NOW);
  assert.deepEqual(
    [early.outcome.ok, early.outcome.reason],
    [false, "it failed 2 times in a row on agent S1 ('host-1'); waiting 30 s more for another agent"],
  );
  const there = evaluateLocality(shunning, offer(1), NOW + 30_000);
  assert.deepEqual(
    [there.outcome.ok, there.outcome.reason, there.rank],
    [true, "it failed 2 times in a row on agent S1 ('host-1'); taken only if no other agent will do", 2],
  );
  const elsewhere = evaluateLocality(shunning, offer(2), NOW);
  assert.deepEqual([elsewhere.outcome.ok, elsewhere.outcome.reason, elsewhere.rank], [true, "any host but 'host-1' will do", 1]);
  // While it waits for another preferred host, the avoided agent is refused like any other.
  const waitingElsewhere = containerOf({ avoid, preferredHost: 'host-3', readyAt: NOW, waitUntil: NOW + 5_000, avoidUntil: NOW });
  assert.equal(evaluateLocality(waitingElsewhere, offer(1), NOW).outcome.ok, false);
  assert.equal(evaluateLocality(waitingElsewhere, offer(1), NOW + 5_000).rank, 2);
});
