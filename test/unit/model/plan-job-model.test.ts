import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { changelogPartitionsOf } from '../../../shared/model/changelog-partitions.js';
import { listTasks, validateJobModel, type JobModel } from '../../../shared/model/job-model.js';
import { planJobModel, type PlanOptions } from '../../../shared/model/plan-job-model.js';
import { groupByPartition, groupBySystemStreamPartition, type InputStream } from '../../../shared/model/ssp-grouper.js';
import { assignmentOf } from '../../../shared/model/task-assigner.js';
import { movedTasks, shuffle } from './arbitraries.js';

const words = (count: number): InputStream[] => [
  { system: 'kafka', topic: 'words', partitionCount: count },
  { system: 'kafka', topic: 'clicks', partitionCount: count },
];

test('first plan: version 1, balanced, Partition N on changelog partition N', () => {
  const model = planJobModel(undefined, words(5), { job: 'wordcount', containerCount: 2 });
  assert.equal(model.version, 1);
  assert.deepEqual(
    model.containers.map((c) => [c.id, c.tasks.map((t) => `${t.name}→${t.changelogPartition}`)]),
    [
      ['0', ['Partition 0→0', 'Partition 1→1', 'Partition 2→2']],
      ['1', ['Partition 3→3', 'Partition 4→4']],
    ],
  );
});

test('the version goes up only when the assignment changes', () => {
  const options = { job: 'wordcount', containerCount: 2 };
  const first = planJobModel(undefined, words(4), options);
  assert.deepEqual(planJobModel(first, shuffle(words(4), 9), options), first);
  assert.equal(planJobModel(first, words(4), { ...options, containerCount: 3 }).version, 2);
  assert.equal(planJobModel(first, words(6), options).version, 2);
  assert.equal(planJobModel(first, [...words(4), { system: 'kafka', topic: 'views', partitionCount: 4 }], options).version, 2);
});

test('a previous model of another job is refused', () => {
  const first = planJobModel(undefined, words(2), { job: 'wordcount', containerCount: 1 });
  assert.throws(() => planJobModel(first, words(2), { job: 'cart', containerCount: 1 }), {
    code: 'MODEL_JOB_MISMATCH',
    message: "the previous job model belongs to job 'wordcount', not 'cart'",
  });
});

test('a grouper that gives one SSP to two tasks is caught', () => {
  const broken: PlanOptions['grouper'] = (inputs) => [
    ...groupByPartition(inputs),
    { name: 'extra', ssps: [{ system: 'kafka', topic: 'words', partition: 0 }] },
  ];
  assert.throws(() => planJobModel(undefined, words(2), { job: 'wordcount', containerCount: 1, grouper: broken }), {
    code: 'MODEL_SSP_DUPLICATED',
  });
});

/** A replan: grow some partitions (never shrink) and pick a new container count. */
const step = fc.record({ grow: fc.array(fc.nat(3), { minLength: 3, maxLength: 3 }), containers: fc.integer({ min: 1, max: 6 }) });

for (const [label, grouper] of [
  ['groupByPartition', groupByPartition],
  ['groupBySystemStreamPartition', groupBySystemStreamPartition],
] as const) {
  test(`${label}: changelog partitions and versions stay right across replans and expansions`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(step, { minLength: 1, maxLength: 8 }), (start, steps) => {
        const topics = grouper === groupByPartition ? ['a'] : ['a', 'b', 'c'];
        let counts = topics.map(() => start);
        let model: JobModel | undefined;
        for (const { grow, containers } of steps) {
          const inputs = topics.map((topic, i) => ({ system: 'kafka', topic, partitionCount: counts[i] ?? 1 }));
          const total = grouper(inputs).length;
          const options = { job: 'j', containerCount: Math.min(containers, total), grouper };
          const next = planJobModel(model, inputs, options);
          validateJobModel(next);
          if (model !== undefined) {
            const before = changelogPartitionsOf(model);
            for (const task of listTasks(next)) if (before.has(task.name)) assert.equal(task.changelogPartition, before.get(task.name));
            // Partitions are handed out densely: old tasks keep theirs, new ones fill from the top.
            assert.deepEqual(
              listTasks(next)
                .map((t) => t.changelogPartition)
                .sort((x, y) => x - y),
              Array.from({ length: total }, (_, i) => i),
            );
            const changed = JSON.stringify(next.containers) !== JSON.stringify(model.containers);
            assert.equal(next.version, model.version + (changed ? 1 : 0));
            const sameShape = next.containers.length === model.containers.length && total === listTasks(model).length;
            if (sameShape) assert.equal(movedTasks(assignmentOf(model), assignmentOf(next)).length, 0);
          }
          model = next;
          counts = counts.map((c, i) => c + (grouper === groupByPartition ? (grow[0] ?? 0) : (grow[i] ?? 0)));
        }
      }),
    );
  });
}
