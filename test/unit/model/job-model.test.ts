import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  compareNames,
  findContainerOfTask,
  listTasks,
  normalizeJobModel,
  sspKey,
  validateJobModel,
  type JobModel,
} from '../../../shared/model/job-model.js';

const ssp = (topic: string, partition: number) => ({ system: 'kafka', topic, partition });

const model: JobModel = {
  job: 'wordcount',
  version: 2,
  containers: [
    { id: '1', tasks: [{ name: 'Partition 10', ssps: [ssp('words', 10)], changelogPartition: 10 }] },
    {
      id: '0',
      tasks: [
        { name: 'Partition 2', ssps: [ssp('words', 2)], changelogPartition: 2 },
        { name: 'Partition 1', ssps: [ssp('words', 1)], changelogPartition: 1 },
      ],
    },
  ],
};

test('sspKey is system.topic.partition', () => {
  assert.equal(sspKey(ssp('words', 3)), 'kafka.words.3');
  assert.equal(sspKey({ system: 'kafka', topic: 'page.views', partition: 0 }), 'kafka.page.views.0');
});

test('compareNames is a natural, total, antisymmetric order', () => {
  assert.deepEqual(['Partition 10', 'Partition 9', 'Partition 1', '10', '9'].sort(compareNames), [
    '9',
    '10',
    'Partition 1',
    'Partition 9',
    'Partition 10',
  ]);
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
      assert.equal(Math.sign(compareNames(a, b)) + Math.sign(compareNames(b, a)), 0);
      assert.equal(compareNames(a, b) === 0, a === b);
      if (compareNames(a, b) <= 0 && compareNames(b, c) <= 0) assert.ok(compareNames(a, c) <= 0);
    }),
    { numRuns: 1000 },
  );
});

/** compareNames as first written: the regex chunks, compared one by one. */
function chunkedCompare(a: string, b: string): number {
  const left = a.match(/\d+|\D+/g) ?? [];
  const right = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const [x = '', y = ''] = [left[i], right[i]];
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const [xs, ys] = [x.replace(/^0+(?=\d)/, ''), y.replace(/^0+(?=\d)/, '')];
      if (xs.length !== ys.length) return xs.length - ys.length;
      if (xs !== ys) return xs < ys ? -1 : 1;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  if (left.length !== right.length) return left.length - right.length;
  return a === b ? 0 : a < b ? -1 : 1;
}

test('compareNames orders as comparing digit and non-digit runs one by one does', () => {
  const name = fc.string({ unit: fc.constantFrom('0', '1', '2', '9', 'a', 'b', ' ', '!', '~'), maxLength: 8 });
  fc.assert(
    fc.property(name, name, (a, b) => assert.equal(Math.sign(compareNames(a, b)), Math.sign(chunkedCompare(a, b)))),
    { numRuns: 5000 },
  );
});

test('findContainerOfTask and listTasks', () => {
  assert.equal(findContainerOfTask(model, 'Partition 1')?.id, '0');
  assert.equal(findContainerOfTask(model, 'Partition 7'), undefined);
  assert.deepEqual(
    listTasks(model).map((t) => t.name),
    ['Partition 1', 'Partition 2', 'Partition 10'],
  );
});

test('normalizeJobModel orders containers, tasks and SSPs', () => {
  const normal = normalizeJobModel(model);
  assert.deepEqual(
    normal.containers.map((c) => [c.id, c.tasks.map((t) => t.name)]),
    [
      ['0', ['Partition 1', 'Partition 2']],
      ['1', ['Partition 10']],
    ],
  );
  validateJobModel(model);
});

/** The example model plus container '2' running `task`. */
function withTask(task: JobModel['containers'][number]['tasks'][number]): JobModel {
  return { ...model, containers: [...model.containers, { id: '2', tasks: [task] }] };
}

test('validateJobModel names the broken rule and the things involved', () => {
  assert.throws(() => validateJobModel(withTask({ name: 'Partition 2', ssps: [ssp('words', 3)], changelogPartition: 3 })), {
    code: 'MODEL_TASK_DUPLICATED',
    message: "task 'Partition 2' of job 'wordcount' is in container '0' and again in container '2'; each task must run exactly once",
  });
  assert.throws(() => validateJobModel(withTask({ name: 'Partition 3', ssps: [ssp('words', 3)], changelogPartition: 10 })), {
    code: 'MODEL_CHANGELOG_PARTITION_DUPLICATED',
    message: "tasks 'Partition 10' and 'Partition 3' of job 'wordcount' share changelog partition 10; each task needs its own",
  });
  assert.throws(() => validateJobModel(withTask({ name: 'Partition 3', ssps: [ssp('words', 2)], changelogPartition: 3 })), {
    code: 'MODEL_SSP_DUPLICATED',
    message:
      "SSP kafka.words.2 is owned by both task 'Partition 2' and task 'Partition 3' of job 'wordcount'; each input partition must have one task",
  });
  assert.throws(
    () => validateJobModel(withTask({ name: 'Partition 3', ssps: [{ system: 'a.b', topic: 't', partition: 0 }], changelogPartition: 3 })),
    {
      code: 'MODEL_SSP_INVALID',
    },
  );
  assert.throws(() => validateJobModel(withTask({ name: 'Partition 3', ssps: [], changelogPartition: -1 })), {
    code: 'MODEL_CHANGELOG_PARTITION_INVALID',
  });
  assert.throws(() => validateJobModel({ ...model, containers: [...model.containers, { id: '1', tasks: [] }] }), {
    code: 'MODEL_CONTAINER_DUPLICATED',
    message: "job 'wordcount' lists container '1' twice",
  });
  assert.throws(() => validateJobModel({ ...model, version: 0 }), { code: 'MODEL_VERSION_INVALID' });
  assert.throws(() => validateJobModel({ ...model, job: '' }), { code: 'MODEL_JOB_NAME_EMPTY' });
});
