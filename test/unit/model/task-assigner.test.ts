import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isSluiceError } from '../../../shared/errors.js';
import type { TaskName } from '../../../shared/model/job-model.js';
import { assignBalanced, assignSticky, assignWithLocality, containerIds, type Assignment } from '../../../shared/model/task-assigner.js';
import { movedTasks, shuffle, sizes, stickyCase, taskName } from './arbitraries.js';

/**
 * The fewest moves any balanced assignment of `tasks` to `ids` can make from `previous`,
 * in closed form: E − Σ_c min(old_c, q) − min(T mod C, #{c surviving : old_c > q}).
 * Proof sketch (checked against exhaustive search below): a surviving container keeps at most
 * min(old_c, final_c) of its tasks; final sizes are q or q+1 with exactly T mod C of the larger;
 * a larger quota saves one move exactly when old_c > q, so the best use of the T mod C larger
 * quotas saves min(T mod C, #{old_c > q}); removed containers keep nothing.
 */
function minimumMoves(previous: Assignment, tasks: readonly TaskName[], ids: readonly string[]): number {
  const current = new Set(tasks);
  const q = Math.floor(tasks.length / ids.length);
  const r = tasks.length % ids.length;
  let existing = 0;
  let keepable = 0;
  let aboveQ = 0;
  for (const [id, had] of previous) {
    const old = had.filter((t) => current.has(t)).length;
    existing += old;
    if (!ids.includes(id)) continue;
    keepable += Math.min(old, q);
    if (old > q) aboveQ++;
  }
  return existing - keepable - Math.min(r, aboveQ);
}

/** The brief's form: Σ_{removed} old_c + Σ_{surviving} max(0, old_c − quota_c), quotas as assigned. */
function excessOverQuotas(previous: Assignment, after: Assignment, tasks: readonly TaskName[]): number {
  const current = new Set(tasks);
  let total = 0;
  for (const [id, had] of previous) {
    const old = had.filter((t) => current.has(t)).length;
    const quota = after.get(id)?.length;
    total += quota === undefined ? old : Math.max(0, old - quota);
  }
  return total;
}

/** Tries every balanced assignment: the ground truth for small cases. */
function bruteForceMinimum(previous: Assignment, tasks: readonly TaskName[], count: number): number {
  const home = new Map<TaskName, number>();
  for (const [id, had] of previous) for (const t of had) home.set(t, Number(id));
  let best = Infinity;
  const choice = new Array<number>(tasks.length).fill(0);
  for (let n = 0; n < count ** tasks.length; n++) {
    let rest = n;
    for (let i = 0; i < tasks.length; i++) {
      choice[i] = rest % count;
      rest = Math.floor(rest / count);
    }
    const counts = new Array<number>(count).fill(0);
    for (const c of choice) counts[c] = (counts[c] ?? 0) + 1;
    if (Math.max(...counts) - Math.min(...counts) > 1) continue;
    const moves = tasks.filter((t, i) => home.has(t) && home.get(t) !== choice[i]).length;
    best = Math.min(best, moves);
  }
  return best;
}

function assertExactlyOnce(assignment: Assignment, tasks: readonly TaskName[]): void {
  const placed = [...assignment.values()].flat();
  assert.equal(placed.length, tasks.length);
  assert.deepEqual(new Set(placed), new Set(tasks));
}

function assertBalanced(assignment: Assignment): void {
  const s = sizes(assignment);
  assert.ok(Math.max(...s) - Math.min(...s) <= 1, `sizes ${s.join(',')}`);
}

test('balanced: containers 0..C-1, every task exactly once, sizes within one', () => {
  fc.assert(
    fc.property(fc.uniqueArray(taskName, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 60 }), (tasks, wanted) => {
      const count = Math.min(wanted, tasks.length);
      const assignment = assignBalanced(tasks, count);
      assert.deepEqual([...assignment.keys()], containerIds(count));
      assertExactlyOnce(assignment, tasks);
      assertBalanced(assignment);
    }),
  );
});

test('balanced: contiguous runs in natural name order', () => {
  const tasks = Array.from({ length: 11 }, (_, i) => `Partition ${i}`);
  assert.deepEqual(
    [...assignBalanced(shuffle(tasks, 7), 3)],
    [
      ['0', ['Partition 0', 'Partition 1', 'Partition 2', 'Partition 3']],
      ['1', ['Partition 4', 'Partition 5', 'Partition 6', 'Partition 7']],
      ['2', ['Partition 8', 'Partition 9', 'Partition 10']],
    ],
  );
});

test('the closed-form minimum equals the exhaustive-search minimum', () => {
  fc.assert(
    fc.property(stickyCase(6, 3), ({ tasks, previous, containerCount }) => {
      assert.equal(minimumMoves(previous, tasks, containerIds(containerCount)), bruteForceMinimum(previous, tasks, containerCount));
    }),
    { numRuns: 300 },
  );
});

test('sticky: balanced, every task once, and moves exactly the minimum', () => {
  fc.assert(
    fc.property(stickyCase(), ({ tasks, previous, containerCount }) => {
      const after = assignSticky(previous, tasks, containerCount);
      assertExactlyOnce(after, tasks);
      assertBalanced(after);
      const moved = movedTasks(previous, after).length;
      assert.equal(moved, minimumMoves(previous, tasks, containerIds(containerCount)));
      assert.equal(moved, excessOverQuotas(previous, after, tasks));
    }),
    { numRuns: 500 },
  );
});

test('sticky: an unchanged balanced model moves nothing', () => {
  fc.assert(
    fc.property(fc.uniqueArray(taskName, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (tasks, wanted) => {
      const count = Math.min(wanted, tasks.length);
      const before = assignBalanced(tasks, count);
      assert.deepEqual(assignSticky(before, tasks, count), before);
    }),
  );
});

test('sticky: scaling 4 → 3 moves only the removed container’s tasks', () => {
  const tasks = Array.from({ length: 12 }, (_, i) => `Partition ${i}`);
  const before = assignBalanced(tasks, 4);
  const after = assignSticky(before, tasks, 3);
  assert.deepEqual(movedTasks(before, after).sort(), [...(before.get('3') ?? [])].sort());
});

test('deterministic: the order of tasks and of the previous model does not matter', () => {
  fc.assert(
    fc.property(stickyCase(), fc.integer(), ({ tasks, previous, containerCount }, seed) => {
      const reordered = new Map(shuffle([...previous], seed).map(([id, had]) => [id, shuffle(had, seed + 1)]));
      const a = assignSticky(previous, tasks, containerCount);
      const b = assignSticky(reordered, shuffle(tasks, seed + 2), containerCount);
      assert.deepEqual([...a], [...b]);
    }),
  );
});

test('locality: returning containers keep what fits their quota, in any id order', () => {
  fc.assert(
    fc.property(stickyCase(), fc.integer(), fc.nat(8), ({ tasks, previous, containerCount }, seed, fresh) => {
      // Some previous ids return, `fresh` new ids join; the count stays within the task count.
      const returning = shuffle([...previous.keys()], seed).slice(0, containerCount);
      const ids = [...returning, ...Array.from({ length: fresh }, (_, i) => `new-${i}`)].slice(0, tasks.length);
      const after = assignWithLocality(previous, tasks, shuffle(ids, seed + 1), { containerHosts: new Map() });
      assertExactlyOnce(after, tasks);
      assertBalanced(after);
      const current = new Set(tasks);
      for (const id of returning.filter((r) => ids.includes(r))) {
        const old = (previous.get(id) ?? []).filter((t) => current.has(t));
        const now = new Set(after.get(id));
        assert.equal(old.filter((t) => now.has(t)).length, Math.min(old.length, now.size));
      }
      assert.equal(movedTasks(previous, after).length, minimumMoves(previous, tasks, ids));
    }),
  );
});

test('locality: tasks of departed containers follow their host to the new container there', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(taskName, { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      (tasks, wanted, replaced) => {
        const count = Math.min(wanted, tasks.length);
        const before = assignBalanced(tasks, count);
        const hosts = new Map<string, string>();
        // Each old container had its own host; a replaced one comes back under a new id on that host.
        const ids = containerIds(count).map((id, i) => {
          hosts.set(id, `host-${i}`);
          if (!replaced[i]) return id;
          hosts.set(`replacement-${i}`, `host-${i}`);
          return `replacement-${i}`;
        });
        const after = assignWithLocality(before, tasks, ids, { containerHosts: hosts });
        for (const [id, had] of before) {
          for (const task of had) {
            const now = [...after].find(([, list]) => list.includes(task))?.[0] ?? '';
            assert.equal(hosts.get(now), hosts.get(id), `task ${task}`);
          }
        }
      },
    ),
  );
});

test('locality: a task host overrides its previous container’s host', () => {
  const before = new Map([
    ['a', ['t1', 't2']],
    ['b', ['t3', 't4']],
  ]);
  const after = assignWithLocality(before, ['t1', 't2', 't3', 't4'], ['a', 'c'], {
    containerHosts: new Map([
      ['a', 'h1'],
      ['b', 'h2'],
      ['c', 'h3'],
    ]),
    taskHosts: new Map([['t3', 'h1']]),
  });
  // 'a' is full with its own tasks, so t3's preferred host has no room; it goes to 'c' with t4.
  assert.deepEqual(
    [...after],
    [
      ['a', ['t1', 't2']],
      ['c', ['t3', 't4']],
    ],
  );
  const roomy = assignWithLocality(new Map([['b', ['t1', 't2']]]), ['t1', 't2'], ['a', 'c'], {
    containerHosts: new Map([
      ['a', 'h1'],
      ['c', 'h2'],
    ]),
    taskHosts: new Map([['t2', 'h1']]),
  });
  assert.deepEqual(
    [...roomy],
    [
      ['a', ['t2']],
      ['c', ['t1']],
    ],
  );
});

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isSluiceError(error));
    return error.code;
  }
  return 'no error';
}

test('errors: bad container counts and duplicated tasks are named', () => {
  assert.equal(
    codeOf(() => assignBalanced(['a', 'b'], 0)),
    'MODEL_CONTAINER_COUNT_INVALID',
  );
  assert.equal(
    codeOf(() => assignBalanced(['a', 'b'], 1.5)),
    'MODEL_CONTAINER_COUNT_INVALID',
  );
  assert.equal(
    codeOf(() => assignBalanced(['a', 'a'], 1)),
    'MODEL_TASK_DUPLICATED',
  );
  assert.equal(
    codeOf(() => assignWithLocality(undefined, ['a'], ['x', 'x'], { containerHosts: new Map() })),
    'MODEL_CONTAINER_DUPLICATED',
  );
  assert.throws(() => assignBalanced(['a', 'b'], 3), {
    code: 'MODEL_TOO_MANY_CONTAINERS',
    message: '3 containers for 2 tasks would leave a container idle; set the container count to at most 2',
  });
});
