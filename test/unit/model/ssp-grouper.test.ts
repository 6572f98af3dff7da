import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { sspKey } from '../../../shared/model/job-model.js';
import { groupByPartition, groupBySystemStreamPartition, type SspGrouper } from '../../../shared/model/ssp-grouper.js';
import { inputStreams, shuffle } from './arbitraries.js';

test('groupByPartition: task Partition N owns partition N of every input', () => {
  const tasks = groupByPartition([
    { system: 'kafka', topic: 'words', partitionCount: 3 },
    { system: 'kafka', topic: 'clicks', partitionCount: 3 },
  ]);
  assert.deepEqual(
    tasks.map((t) => [t.name, t.ssps.map(sspKey)]),
    [
      ['Partition 0', ['kafka.clicks.0', 'kafka.words.0']],
      ['Partition 1', ['kafka.clicks.1', 'kafka.words.1']],
      ['Partition 2', ['kafka.clicks.2', 'kafka.words.2']],
    ],
  );
});

test('groupByPartition: different partition counts name each topic, its count, and the way out', () => {
  assert.throws(
    () =>
      groupByPartition([
        { system: 'kafka', topic: 'words', partitionCount: 8 },
        { system: 'kafka', topic: 'clicks', partitionCount: 4 },
      ]),
    {
      code: 'MODEL_PARTITION_COUNT_MISMATCH',
      message:
        "GroupByPartition needs every input to have the same number of partitions, so that task 'Partition N' sees partition N " +
        'of each input, but kafka.clicks has 4 partitions, kafka.words has 8 partitions. Give the inputs one partition count ' +
        '(repartition the smaller ones into new topics), or use groupBySystemStreamPartition if the job does not join inputs.',
    },
  );
});

test('groupBySystemStreamPartition: one task per SSP, named as Samza names it', () => {
  const tasks = groupBySystemStreamPartition([
    { system: 'kafka', topic: 'words', partitionCount: 2 },
    { system: 'kafka', topic: 'clicks', partitionCount: 1 },
  ]);
  assert.deepEqual(
    tasks.map((t) => [t.name, t.ssps.map(sspKey)]),
    [
      ['SystemStreamPartition [kafka, clicks, 0]', ['kafka.clicks.0']],
      ['SystemStreamPartition [kafka, words, 0]', ['kafka.words.0']],
      ['SystemStreamPartition [kafka, words, 1]', ['kafka.words.1']],
    ],
  );
});

test('both groupers refuse inputs no grouping can use', () => {
  for (const grouper of [groupByPartition, groupBySystemStreamPartition]) {
    assert.throws(() => grouper([]), { code: 'MODEL_NO_INPUTS' });
    assert.throws(() => grouper([{ system: 'kafka', topic: 'words', partitionCount: 0 }]), {
      code: 'MODEL_INPUT_INVALID',
      message: 'input kafka.words has 0 partitions; expected an integer ≥ 1',
    });
    assert.throws(() => grouper([{ system: 'my.kafka', topic: 'words', partitionCount: 1 }]), { code: 'MODEL_INPUT_INVALID' });
    assert.throws(
      () =>
        grouper([
          { system: 'kafka', topic: 'words', partitionCount: 1 },
          { system: 'kafka', topic: 'words', partitionCount: 1 },
        ]),
      { code: 'MODEL_INPUT_DUPLICATED', message: 'input kafka.words is listed twice; list each input stream once' },
    );
  }
});

function checkGrouper(grouper: SspGrouper, sameCount: boolean): void {
  fc.assert(
    fc.property(inputStreams(sameCount), fc.integer(), (inputs, seed) => {
      const tasks = grouper(inputs);
      assert.deepEqual(grouper(shuffle(inputs, seed)), tasks);
      const owned = tasks.flatMap((t) => t.ssps.map(sspKey));
      const expected = inputs.flatMap((i) => Array.from({ length: i.partitionCount }, (_, p) => `${i.system}.${i.topic}.${p}`));
      assert.equal(owned.length, expected.length);
      assert.deepEqual(new Set(owned), new Set(expected));
      assert.equal(new Set(tasks.map((t) => t.name)).size, tasks.length);
    }),
  );
}

test('every SSP belongs to exactly one task, whatever the input order', () => {
  checkGrouper(groupByPartition, true);
  checkGrouper(groupBySystemStreamPartition, false);
});
