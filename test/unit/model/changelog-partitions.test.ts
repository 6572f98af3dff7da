import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { assignChangelogPartitions } from '../../../shared/model/changelog-partitions.js';
import { shuffle, taskName } from './arbitraries.js';

test('a fresh GroupByPartition job maps Partition N to changelog partition N', () => {
  const tasks = Array.from({ length: 12 }, (_, i) => `Partition ${i}`);
  const mapping = assignChangelogPartitions(shuffle(tasks, 3));
  for (const [i, task] of tasks.entries()) assert.equal(mapping.get(task), i);
});

test('previous tasks keep their partitions; new tasks take the lowest free ones, in name order', () => {
  const previous = new Map([
    ['Partition 0', 0],
    ['Partition 1', 3],
    ['gone', 1],
  ]);
  const mapping = assignChangelogPartitions(['Partition 3', 'Partition 2', 'Partition 1', 'Partition 0'], previous);
  // 1 stays reserved for the departed task, so no new task inherits its state.
  assert.deepEqual(
    [...mapping],
    [
      ['Partition 0', 0],
      ['Partition 1', 3],
      ['Partition 2', 2],
      ['Partition 3', 4],
    ],
  );
});

test('stable, unique, lowest-free and order-independent for any history', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(taskName, { maxLength: 30 }),
      fc.uniqueArray(taskName, { maxLength: 30 }),
      fc.uniqueArray(fc.nat(60), { minLength: 30, maxLength: 30 }),
      fc.integer(),
      (old, now, partitions, seed) => {
        const previous = new Map(old.map((task, i) => [task, partitions[i] ?? 0]));
        const mapping = assignChangelogPartitions(now, previous);
        assert.deepEqual([...assignChangelogPartitions(shuffle(now, seed), new Map(shuffle([...previous], seed)))], [...mapping]);
        assert.deepEqual(new Set(mapping.keys()), new Set(now));
        for (const [task, partition] of mapping) if (previous.has(task)) assert.equal(partition, previous.get(task));
        const fresh = [...mapping].filter(([task]) => !previous.has(task)).map(([, p]) => p);
        const all = [...previous.values(), ...fresh];
        assert.equal(new Set(all).size, all.length);
        // The fresh ones are exactly the lowest partitions nobody held, handed out in name order.
        const held = new Set(previous.values());
        const free: number[] = [];
        for (let p = 0; free.length < fresh.length; p++) if (!held.has(p)) free.push(p);
        assert.deepEqual(fresh, free);
      },
    ),
  );
});

test('a corrupt previous mapping is refused', () => {
  assert.throws(
    () =>
      assignChangelogPartitions(
        ['a'],
        new Map([
          ['x', 1],
          ['y', 1],
        ]),
      ),
    { code: 'MODEL_CHANGELOG_PARTITION_DUPLICATED' },
  );
  assert.throws(() => assignChangelogPartitions(['a'], new Map([['x', -1]])), {
    code: 'MODEL_CHANGELOG_PARTITION_INVALID',
    message: "task 'x' had changelog partition -1; expected an integer ≥ 0",
  });
});
