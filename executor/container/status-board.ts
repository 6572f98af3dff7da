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

  /** These tasks are about to restore (a start, or tasks a hand-over gives the container). */
  restoringTasks(names: readonly string[]): void {
    for (const name of names) {
      this.restoring.add(name);
      this.restores.delete(name);
    }
  }

  /** The container runs on this job model version now (its hand-over completed). */
  setModelVersion(version: number): void {
    this.modelVersion = version;
  }

  /** These tasks are restored and run, beside those running already. */
  running(tasks: readonly TaskInstance[]): void {
    this.tasks = [...this.tasks, ...tasks];
    for (const task of tasks) this.restoring.delete(task.name);
  }

  /** These tasks stopped or did not start (a hand-over took them; every task, at shutdown): their counts move into the total. */
  retire(names?: readonly string[]): void {
    const leaving = (name: string): boolean => names === undefined || names.includes(name);
    for (const task of this.tasks) if (leaving(task.name)) this.processedBefore += task.processedCount;
    this.tasks = this.tasks.filter((task) => !leaving(task.name));
    for (const name of [...this.restoring]) if (leaving(name)) this.restoring.delete(name);
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
