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

test("an away container's tasks go to their standbys, and it comes back to tasks it kept warm", () => {
  const three = plan(6, 3); // 0: P0 P1, 1: P2 P3, 2: P4 P5; P4's standby is on 0, P5's on 1
  const placed = (model: ReturnType<typeof plan>) =>
    model.containers.map((container) => [container.id, container.tasks.map((task) => task.name.replace('Partition ', 'P'))]);
  const away = planJobModel(three, inputs(6), { job: 'wc', containerCount: 3, standbys: 1, away: new Set(['2']) });
  assert.deepEqual(placed(away), [
    ['0', ['P0', 'P1', 'P4']],
    ['1', ['P2', 'P3', 'P5']],
    ['2', []],
  ]);
  assert.equal(away.version, three.version + 1);
  // Away, container 2 keeps copies of P1, P2 and P5 (placement over the away model); back, it gets two of those.
  const copies = standbyTasksOf(away, '2', 1).map((task) => task.name.replace('Partition ', 'P'));
  assert.deepEqual(copies, ['P1', 'P2', 'P5']);
  const back = planJobModel(away, inputs(6), { job: 'wc', containerCount: 3, standbys: 1 });
  assert.deepEqual(placed(back), [
    ['0', ['P0', 'P4']],
    ['1', ['P2', 'P3']],
    ['2', ['P1', 'P5']],
  ]);
  // Planning again with the same container away changes nothing.
  assert.equal(planJobModel(away, inputs(6), { job: 'wc', containerCount: 3, standbys: 1, away: new Set(['2']) }).version, away.version);
});

test('a container away moves only its own tasks, and never every container away', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 6 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 1, max: 2 }),
      (containers, extra, replicas) => {
        const partitions = containers + extra;
        const before = plan(partitions, containers);
        const lost = String(containers - 1 - (extra % containers));
        const away = planJobModel(before, inputs(partitions), {
          job: 'wc',
          containerCount: containers,
          standbys: replicas,
          away: new Set([lost]),
        });
        assert.deepEqual(away.containers.find((container) => container.id === lost)?.tasks, []);
        const home = (model: typeof before, task: string) => findContainerOfTask(model, task)?.id;
        // Only the lost container's tasks move (the fewest moves), and the others stay balanced to ±1.
        for (const task of listTasks(away))
          if (home(before, task.name) !== lost) assert.equal(home(away, task.name), home(before, task.name));
        const sizes = away.containers.filter((container) => container.id !== lost).map((container) => container.tasks.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `balanced: ${sizes.join(', ')}`);
      },
    ),
  );
  assert.throws(
    () => planJobModel(plan(4, 2), inputs(4), { job: 'wc', containerCount: 2, away: new Set(['0', '1']) }),
    /MODEL_NO_CONTAINER_PRESENT|all 2 containers are away/,
  );
});
