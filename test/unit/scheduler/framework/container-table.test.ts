import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transition, NEW_CONTAINER, type ContainerRecord } from '../../../../scheduler/framework/container-lifecycle.js';
import { ContainerTable } from '../../../../scheduler/framework/container-table.js';

const task = (n: number) => ({ taskId: `job.0.attempt-${n}`, agentId: 'S1', hostname: 'host-1' });

test('a task id finds the container whose live attempt it is, and only while that attempt lives', () => {
  const table = new ContainerTable();
  table.set('0', NEW_CONTAINER);
  assert.equal(table.liveAttempt(task(1).taskId), undefined);
  const launching = transition(NEW_CONTAINER, 'launch', 1, task(1));
  table.set('0', launching);
  assert.deepEqual(table.liveAttempt(task(1).taskId), ['0', launching]);
  // The next attempt replaces the index entry: an update about the first one is stale.
  const failed = transition(launching, 'failed', 2);
  table.set('0', transition(failed, 'launch', 3, task(2)));
  assert.equal(table.liveAttempt(task(1).taskId), undefined);
  assert.equal(table.liveAttempt(task(2).taskId)?.[0], '0');
  // A pending container's task has ended: a late report about it changes nothing.
  table.set('0', { ...NEW_CONTAINER, task: task(2) });
  assert.equal(table.liveAttempt(task(2).taskId), undefined);
  table.delete('0');
  assert.equal(table.liveAttempt(task(2).taskId), undefined);
});

test('the counts per state follow every set, delete and clear', () => {
  const table = new ContainerTable();
  const running: ContainerRecord = { state: { kind: 'running', agentId: 'S1' }, task: task(1), failures: 0 };
  table.set('0', NEW_CONTAINER).set('1', NEW_CONTAINER).set('2', running);
  assert.deepEqual([table.count('pending'), table.count('running'), table.count('failed')], [2, 1, 0]);
  table.set('1', running);
  table.delete('0');
  assert.deepEqual([table.count('pending'), table.count('running'), table.size], [0, 2, 2]);
  table.clear();
  assert.deepEqual([table.count('running'), table.liveAttempt(task(1).taskId), table.size], [0, undefined, 0]);
});
