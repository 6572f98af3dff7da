import { sspKey, type ContainerModel, type TaskModel } from '../../shared/model/job-model.js';

/**
 * What one container does when the job model changes (pure): which of its tasks it gives up, which
 * it takes on, and which it must start again (a kept task whose partitions changed: input
 * expansion). Only those stop or start; the other tasks run on through the change.
 */
export type HandOverAction =
  /** Not in the model before or now: nothing to run yet. */
  | 'wait'
  /** Not running, and the model gives it tasks: claim them, then start. */
  | 'start'
  /** Same tasks, same partitions: keep running, only the model version moves on. */
  | 'keep'
  /** Its tasks changed: stop the lost and changed ones, release the lost, claim the gained, start the gained and changed. */
  | 'hand-over'
  /** Removed from the model: stop and release everything. */
  | 'leave';

export interface HandOverPlan {
  readonly action: HandOverAction;
  /** Tasks it runs now and must release (after their final commit). */
  readonly lost: readonly string[];
  /** Tasks it must claim before starting them. */
  readonly gained: readonly string[];
  /** Tasks it keeps whose partitions or changelog partition changed: stopped and started again, their claims kept. */
  readonly changed: readonly string[];
}

export function planHandOver(running: ContainerModel | undefined, next: ContainerModel | undefined): HandOverPlan {
  const now = new Map((running?.tasks ?? []).map((task) => [task.name, task]));
  const then = new Map((next?.tasks ?? []).map((task) => [task.name, task]));
  const lost = [...now.keys()].filter((name) => !then.has(name));
  const gained = [...then.keys()].filter((name) => !now.has(name));
  if (next === undefined) return { action: running === undefined ? 'wait' : 'leave', lost, gained: [], changed: [] };
  if (running === undefined) return { action: 'start', lost: [], gained, changed: [] };
  const changed = [...then].filter(([name, task]) => now.has(name) && !sameTask(task, now.get(name))).map(([name]) => name);
  const unchanged = lost.length === 0 && gained.length === 0 && changed.length === 0;
  return { action: unchanged ? 'keep' : 'hand-over', lost, gained, changed };
}

function sameTask(a: TaskModel | undefined, b: TaskModel | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = (task: TaskModel) => task.ssps.map(sspKey).sort().join(',');
  return a.changelogPartition === b.changelogPartition && keys(a) === keys(b);
}
