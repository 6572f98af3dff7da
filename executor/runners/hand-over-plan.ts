import { sspKey, type ContainerModel, type TaskModel } from '../../shared/model/job-model.js';

/**
 * What one container does when the job model changes (pure): which of its tasks it gives up and
 * which it takes on. A container whose tasks are unchanged keeps running through the change;
 * otherwise it stops all its tasks (committing them), releases the lost ones, claims the gained
 * ones and starts again on the new model (the kept tasks reuse their local stores, so their
 * restart replays nothing).
 */
export type HandOverAction =
  /** Not in the model before or now: nothing to run yet. */
  | 'wait'
  /** Not running, and the model gives it tasks: claim them, then start. */
  | 'start'
  /** Same tasks, same partitions: keep running, only the model version moves on. */
  | 'keep'
  /** Its tasks changed: stop, release the lost, claim the gained, start again. */
  | 'restart'
  /** Removed from the model: stop and release everything. */
  | 'leave';

export interface HandOverPlan {
  readonly action: HandOverAction;
  /** Tasks it runs now and must release (after their final commit). */
  readonly lost: readonly string[];
  /** Tasks it must claim before starting. */
  readonly gained: readonly string[];
}

export function planHandOver(running: ContainerModel | undefined, next: ContainerModel | undefined): HandOverPlan {
  const now = new Map((running?.tasks ?? []).map((task) => [task.name, task]));
  const then = new Map((next?.tasks ?? []).map((task) => [task.name, task]));
  const lost = [...now.keys()].filter((name) => !then.has(name));
  const gained = [...then.keys()].filter((name) => !now.has(name));
  if (next === undefined) return { action: running === undefined ? 'wait' : 'leave', lost, gained: [] };
  if (running === undefined) return { action: 'start', lost: [], gained };
  // A kept task whose partitions changed (input expansion) needs a restart but keeps its claim.
  const unchanged = lost.length === 0 && gained.length === 0 && [...then].every(([name, task]) => sameTask(task, now.get(name)));
  return { action: unchanged ? 'keep' : 'restart', lost, gained };
}

function sameTask(a: TaskModel | undefined, b: TaskModel | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = (task: TaskModel) => task.ssps.map(sspKey).sort().join(',');
  return a.changelogPartition === b.changelogPartition && keys(a) === keys(b);
}
