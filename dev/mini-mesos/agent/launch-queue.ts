/**
 * Tasks an agent holds for an executor that has not subscribed yet (slave.cpp `queuedTasks` and
 * `queuedTaskGroups`). A LAUNCH_GROUP stays one entry: it is delivered as one LAUNCH_GROUP event,
 * and killing one of its tasks before delivery kills the whole group, as in Mesos.
 */
import type { TaskInfo } from '../../../shared/mesos/index.js';

export interface QueuedLaunch {
  tasks: TaskInfo[];
  /** Delivered as LAUNCH_GROUP rather than one LAUNCH per task. */
  group: boolean;
}

export class LaunchQueue {
  private entries: QueuedLaunch[] = [];

  add(tasks: TaskInfo[], group: boolean): void {
    this.entries.push({ tasks: [...tasks], group });
  }

  has(taskId: string): boolean {
    return this.entryOf(taskId) !== undefined;
  }

  entryOf(taskId: string): QueuedLaunch | undefined {
    return this.entries.find((entry) => entry.tasks.some((task) => task.task_id.value === taskId));
  }

  /** Drops one task (it reached a terminal state before delivery). */
  remove(taskId: string): void {
    for (const entry of this.entries) entry.tasks = entry.tasks.filter((task) => task.task_id.value !== taskId);
    this.entries = this.entries.filter((entry) => entry.tasks.length > 0);
  }

  get size(): number {
    return this.tasks().length;
  }

  tasks(): TaskInfo[] {
    return this.entries.flatMap((entry) => entry.tasks);
  }

  /** Everything queued, in order, leaving the queue empty (delivery after SUBSCRIBE). */
  takeAll(): QueuedLaunch[] {
    const taken = this.entries;
    this.entries = [];
    return taken;
  }
}
