import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { listTasks } from '../../../shared/model/job-model.js';
import { planJobModel } from '../../../shared/model/plan-job-model.js';
import { standbyHolders, standbyTasksOf } from '../../../shared/model/standby-placement.js';
import { findContainerOfTask } from '../../../shared/model/job-model.js';

const inputs = (partitions: number) => [{ system: 'kafka', topic: 'words', partitionCount: partitions }];
const plan = (partitions: number, containers: number) =>
  planJobModel(undefined, inputs(partitions), { job: 'wc', containerCount: containers });

test("a container's tasks take turns over the other containers for their standbys", () => {
  const model = plan(6, 3); // 0: P0 P1, 1: P2 P3, 2: P4 P5
  assert.deepEqual(Object.fromEntries(standbyHolders(model, 1)), {
    'Partition 0': ['1'],
    'Partition 1': ['2'],
    'Partition 2': ['2'],
    'Partition 3': ['0'],
    'Partition 4': ['0'],
    'Partition 5': ['1'],
  });
  assert.deepEqual(standbyHolders(model, 2).get('Partition 5'), ['1', '0']);
  assert.deepEqual(
    standbyTasksOf(model, '0', 1).map((task) => task.name),
    ['Partition 3', 'Partition 4'],
  );
  assert.deepEqual(
    standbyTasksOf(model, '0', 2).map((task) => task.name),
    ['Partition 2', 'Partition 3', 'Partition 4', 'Partition 5'],
  );
});

test('no standbys with replicas 0 or a single container; never more than the other containers', () => {
  assert.deepEqual(standbyTasksOf(plan(4, 2), '0', 0), []);
  assert.deepEqual([...standbyHolders(plan(4, 1), 2).values()], [[], [], [], []]);
  assert.deepEqual(standbyHolders(plan(4, 2), 5).get('Partition 0'), ['1']);
});

test('property: every task has min(replicas, containers − 1) distinct holders, none of them its own container, spread evenly', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 4 }),
      (tasks, containers, replicas) => {
        fc.pre(containers <= tasks);
        const model = plan(tasks, containers);
        const holders = standbyHolders(model, replicas);
        const want = Math.min(replicas, containers - 1);
        for (const task of listTasks(model)) {
          const held = holders.get(task.name) ?? [];
          assert.equal(new Set(held).size, want);
          assert.ok(!held.includes(findContainerOfTask(model, task.name)!.id));
        }
        const perContainer = model.containers.map((container) => standbyTasksOf(model, container.id, replicas).length);
        assert.equal(
          perContainer.reduce((a, b) => a + b, 0),
          tasks * want,
        );
        // Each container holds the standbys of `want` neighbours, whose task counts differ by at most one.
        assert.ok(Math.max(...perContainer) - Math.min(...perContainer) <= want);
      },
    ),
  );
});

test('a rescale moves the tasks of a removed container to the containers that kept their standbys', () => {
  const three = plan(9, 3); // 0: P0–P2, 1: P3–P5, 2: P6–P8; P6 and P8 have their standby on 0, P7 on 1
  const placed = (model: ReturnType<typeof plan>) =>
    model.containers.map((container) => [container.id, container.tasks.map((task) => task.name.replace('Partition ', 'P'))]);
  assert.deepEqual(placed(planJobModel(three, inputs(9), { job: 'wc', containerCount: 2, standbys: 1 })), [
    ['0', ['P0', 'P1', 'P2', 'P6', 'P8']],
    ['1', ['P3', 'P4', 'P5', 'P7']],
  ]);
  // Without standbys the same three moves fill the spare slots in id order.
  assert.deepEqual(placed(planJobModel(three, inputs(9), { job: 'wc', containerCount: 2 })), [
    ['0', ['P0', 'P1', 'P2', 'P6', 'P7']],
    ['1', ['P3', 'P4', 'P5', 'P8']],
  ]);
});
