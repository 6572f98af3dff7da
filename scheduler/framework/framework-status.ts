/**
 * What the framework shows of itself (the HTTP API, the metrics): one plain object per call.
 */
import type { ContainerState, JobError, LastFailure } from '../planner/index.js';
import type { ContainerRecord } from './container-lifecycle.js';
import type { ContainerTable } from './container-table.js';
import { frameworkMetrics } from './framework-metrics.js';

export interface ContainerStatus {
  readonly id: string;
  readonly state: ContainerState['kind'];
  readonly failures: number;
  readonly taskId?: string;
  readonly host?: string;
  /** Where and why the last of its `failures` happened; gone once it runs again. */
  readonly lastFailure?: LastFailure;
  /** Lost with its agent: it runs no task until its standby copies caught up (away-containers.ts). */
  readonly away?: true;
}

/**
 * A container failing (and being relaunched), the framework removed by Mesos, its id taken over by
 * another scheduler, or the master refusing its credentials or role.
 */
export type FrameworkJobError =
  JobError | { readonly code: 'FRAMEWORK_REMOVED' | 'FRAMEWORK_FAILED_OVER' | 'SCHEDULER_MESOS_REFUSED'; readonly message: string };

export interface FrameworkStatus {
  readonly frameworkId: string | undefined;
  readonly subscribed: boolean;
  readonly jobModelVersion: number | undefined;
  readonly containers: readonly ContainerStatus[];
  readonly errors: readonly FrameworkJobError[];
}

export function containerStatuses(records: ReadonlyMap<string, ContainerRecord>, away: ReadonlySet<string>): ContainerStatus[] {
  return [...records].map(([id, record]) => ({
    id,
    state: record.state.kind,
    failures: record.failures,
    ...(record.task === undefined ? {} : { taskId: record.task.taskId, host: record.task.hostname }),
    ...(record.lastFailure === undefined ? {} : { lastFailure: record.lastFailure }),
    ...(away.has(id) ? { away: true as const } : {}),
  }));
}

export function countStates(job: string, records: ContainerTable): void {
  for (const state of ['pending', 'launching', 'running', 'failed', 'killing'] as const) {
    frameworkMetrics.containers.set({ job, state }, records.count(state));
  }
}
