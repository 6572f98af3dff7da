import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectPartitionExpansion } from '../../../shared/model/detect-partition-expansion.js';
import { planJobModel } from '../../../shared/model/plan-job-model.js';
import { groupBySystemStreamPartition } from '../../../shared/model/ssp-grouper.js';

const inputs = (words: number, clicks = words) => [
  { system: 'kafka', topic: 'words', partitionCount: words },
  { system: 'kafka', topic: 'clicks', partitionCount: clicks },
];
const previous = planJobModel(undefined, inputs(4), { job: 'wordcount', containerCount: 2 });

test('nothing changed: same tasks, nothing added or expanded', () => {
  const change = detectPartitionExpansion(previous, inputs(4));
  assert.equal(change.tasks.length, 4);
  assert.deepEqual(change.added, []);
  assert.deepEqual(change.expanded, []);
});

test('expansion: new partitions become new tasks', () => {
  const change = detectPartitionExpansion(previous, inputs(6));
  assert.deepEqual(change.added, ['Partition 4', 'Partition 5']);
  assert.deepEqual(change.expanded, [
    { system: 'kafka', topic: 'clicks', from: 4, to: 6 },
    { system: 'kafka', topic: 'words', from: 4, to: 6 },
  ]);
});

test('shrinkage is refused, naming each topic and its old and new counts', () => {
  const big = planJobModel(undefined, inputs(8), { job: 'wordcount', containerCount: 2 });
  assert.throws(() => detectPartitionExpansion(big, inputs(4)), {
    code: 'MODEL_PARTITIONS_SHRUNK',
    message:
      'topic kafka.clicks went from 8 to 4 partitions; topic kafka.words went from 8 to 4 partitions; ' +
      "Sluice cannot shrink the inputs of job 'wordcount': the tasks of the lost partitions hold state in their changelog " +
      'partitions that no task would own. Kafka never removes partitions, so a shrunk topic was deleted and recreated: ' +
      'restore its partition count, or reset the job (delete its job model and changelog topics) to start over with empty state.',
  });
});

test('a task the grouper no longer produces is refused, naming the tasks', () => {
  const bySsp = planJobModel(undefined, inputs(2, 1), { job: 'wordcount', containerCount: 1, grouper: groupBySystemStreamPartition });
  assert.throws(() => detectPartitionExpansion(bySsp, inputs(2, 1).slice(0, 1), groupBySystemStreamPartition), {
    code: 'MODEL_TASKS_REMOVED',
    message:
      "the current inputs and grouper no longer produce task 'SystemStreamPartition [kafka, clicks, 0]' of job 'wordcount' " +
      '(version 1); their state would be orphaned. Restore the removed inputs or the previous grouper, or reset the job ' +
      '(delete its job model and changelog topics) to regroup from scratch.',
  });
  assert.throws(() => detectPartitionExpansion(previous, inputs(4), groupBySystemStreamPartition), {
    code: 'MODEL_TASKS_REMOVED',
    message: /'Partition 0', 'Partition 1', 'Partition 2', 'Partition 3' of job 'wordcount'/,
  });
});

test('a new input with the same count adds SSPs to existing tasks, not tasks', () => {
  const change = detectPartitionExpansion(previous, [...inputs(4), { system: 'kafka', topic: 'views', partitionCount: 4 }]);
  assert.deepEqual(change.added, []);
  assert.equal(change.tasks[0]?.ssps.length, 3);
});
