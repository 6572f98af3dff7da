import type { ContainerStatusReport, StandbyStatusReport, TaskStatusReport } from '../../shared/config/executor-contract.js';
import type { TaskInstance } from './task-instance.js';

/**
 * What a container reports about itself, gathered as it goes: restore progress per task while its
 * stores restore, then each task's state, processed count and lag. It outlives the tasks of one job
 * model, so the processed total keeps growing across hand-overs (the dashboard's throughput).
 */
export class StatusBoard {
  private tasks: readonly TaskInstance[] = [];
  private readonly restores = new Map<string, Map<string, { done: number; total: number; rebuilt: boolean }>>();
  private restoring = new Set<string>();
  private processedBefore = 0;
  private modelVersion: number | null = null;
  /** Standby replicas kept here: task → its last pass (undefined before the first). */
  private standbys = new Map<string, { lag: number; at: number } | undefined>();

  constructor(private readonly container: string) {}

  /** Restore progress of one store of a task (see RestoreProgress). */
  readonly restoreProgress = (
    context: { readonly store: string; readonly task: string },
    done: number,
    total: number,
    rebuilt: boolean,
  ): void => {
    let stores = this.restores.get(context.task);
    if (stores === undefined) this.restores.set(context.task, (stores = new Map()));
    stores.set(context.store, { done, total, rebuilt });
  };

  /** The tasks this container keeps standby replicas of, from now on. */
  standbyTasks(names: readonly string[]): void {
    this.standbys = new Map(names.map((name) => [name, this.standbys.get(name)]));
  }

  /** A standby pass of `task` ended: what a move here would replay beyond the copy, at most. */
  standbyProgress(task: string, progress: { readonly lag: number }): void {
    if (this.standbys.has(task)) this.standbys.set(task, { lag: progress.lag, at: Date.now() });
  }

  /** The tasks of a new job model are about to restore. */
  restoringTasks(names: readonly string[]): void {
    this.retire();
    this.restoring = new Set(names);
    for (const name of names) this.restores.delete(name);
  }

  /** The container runs on this job model version now (its hand-over completed). */
  setModelVersion(version: number): void {
    this.modelVersion = version;
  }

  /** The tasks are restored and run. */
  running(tasks: readonly TaskInstance[]): void {
    this.tasks = tasks;
    this.restoring.clear();
  }

  /** The tasks stopped (hand-over or shutdown): their counts move into the total. */
  retire(): void {
    for (const task of this.tasks) this.processedBefore += task.processedCount;
    this.tasks = [];
    this.restoring.clear();
  }

  report(): ContainerStatusReport {
    const tasks: TaskStatusReport[] = [
      ...[...this.restoring].map((name) => ({ name, state: 'restoring', processed: 0, lag: null, restore: this.restoreOf(name) })),
      ...this.tasks.map((task) => ({
        name: task.name,
        state: task.lifecycle.state,
        processed: task.processedCount,
        lag: task.lag,
        restore: this.restoreOf(task.name),
      })),
    ];
    const processedTotal = this.processedBefore + this.tasks.reduce((sum, task) => sum + task.processedCount, 0);
    const standbys: StandbyStatusReport[] = [...this.standbys].map(([name, pass]) => ({
      name,
      lag: pass?.lag ?? null,
      caughtUpAt: pass?.at ?? null,
    }));
    return { container: this.container, jobModelVersion: this.modelVersion, processedTotal, at: Date.now(), tasks, standbys };
  }

  private restoreOf(task: string): TaskStatusReport['restore'] {
    const stores = [...(this.restores.get(task)?.values() ?? [])];
    const total = stores.reduce((sum, store) => sum + store.total, 0);
    return total === 0
      ? null
      : { done: stores.reduce((sum, store) => sum + store.done, 0), total, rebuilt: stores.some((store) => store.rebuilt) };
  }
}
