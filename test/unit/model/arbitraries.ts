import fc from 'fast-check';
import type { TaskName } from '../../../shared/model/job-model.js';
import type { InputStream } from '../../../shared/model/ssp-grouper.js';
import type { Assignment } from '../../../shared/model/task-assigner.js';

/** Samza-style names and arbitrary strings, so natural ordering is exercised both ways. */
export const taskName: fc.Arbitrary<TaskName> = fc.oneof(
  fc.nat(300).map((n) => `Partition ${n}`),
  fc.string({ minLength: 1, maxLength: 5 }),
);

/** A previous assignment over ids '0'..'oldCount-1', a current task set, a new container count. */
export interface StickyCase {
  readonly tasks: TaskName[];
  readonly previous: Map<string, TaskName[]>;
  readonly containerCount: number;
}

/**
 * Previous assignments are arbitrary (not necessarily balanced); some previous tasks are gone
 * from the current set and some current tasks are new, so every branch of the assigner runs.
 */
export function stickyCase(maxTasks = 40, maxContainers = 8): fc.Arbitrary<StickyCase> {
  return fc.uniqueArray(taskName, { minLength: 1, maxLength: maxTasks }).chain((all) =>
    fc
      .record({
        oldCount: fc.integer({ min: 1, max: maxContainers }),
        homes: fc.array(fc.nat(maxContainers), { minLength: all.length, maxLength: all.length }),
        alive: fc.array(fc.nat(9), { minLength: all.length, maxLength: all.length }),
        newCount: fc.integer({ min: 1, max: maxContainers }),
      })
      .map(({ oldCount, homes, alive, newCount }) => {
        const previous = new Map<string, TaskName[]>();
        for (let c = 0; c < oldCount; c++) previous.set(String(c), []);
        all.forEach((task, i) => {
          const home = (homes[i] ?? 0) % (oldCount + 1);
          // home === oldCount: the task is new in this round.
          if (home < oldCount) previous.get(String(home))?.push(task);
        });
        // One task in ten is gone; the first always stays so the task set is never empty.
        const tasks = all.filter((_, i) => i === 0 || (alive[i] ?? 0) !== 0);
        return { tasks, previous, containerCount: Math.min(newCount, tasks.length) };
      }),
  );
}

/** Input streams with distinct names; `sameCount` gives every stream one partition count. */
export function inputStreams(sameCount: boolean): fc.Arbitrary<InputStream[]> {
  const names = fc.uniqueArray(fc.tuple(fc.constantFrom('kafka', 'other'), fc.stringMatching(/^[a-z][a-z.-]{0,6}$/)), {
    minLength: 1,
    maxLength: 4,
    selector: ([system, topic]) => `${system}/${topic}`,
  });
  return fc
    .tuple(names, fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 4, maxLength: 4 }))
    .map(([streams, counts]) =>
      streams.map(([system, topic], i) => ({ system, topic, partitionCount: (sameCount ? counts[0] : counts[i]) ?? 1 })),
    );
}

/** A deterministic permutation driven by `seed`, to show results do not depend on input order. */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Tasks whose container changed; tasks new to this round do not count as moved. */
export function movedTasks(before: Assignment, after: Assignment): TaskName[] {
  const home = new Map<TaskName, string>();
  for (const [id, tasks] of after) for (const task of tasks) home.set(task, id);
  const moved: TaskName[] = [];
  for (const [id, tasks] of before) {
    for (const task of tasks) if (home.has(task) && home.get(task) !== id) moved.push(task);
  }
  return moved;
}

export function sizes(assignment: Assignment): number[] {
  return [...assignment.values()].map((tasks) => tasks.length);
}
