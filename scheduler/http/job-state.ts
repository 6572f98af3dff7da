/**
 * The job's state as `GET /api/v1/job` shows it (and `sluice status`, and the dashboard): what the
 * framework knows of itself, plus each container's own status report when the executors' reports
 * are wired in (`containerStatus`), which is where throughput, lag and restore progress come from.
 */
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import type { ContainerStatus, FrameworkJobError } from '../framework/framework-status.js';
import type { SchedulerService } from '../scheduler-service.js';

/** A container as the framework knows it, with its executor's own report once there is one. */
export type ContainerView = ContainerStatus & { readonly status?: ContainerStatusReport };

export interface JobView {
  readonly job: string;
  readonly leader: boolean;
  readonly frameworkId: string | null;
  readonly subscribed: boolean;
  readonly jobModelVersion: number | null;
  readonly containers: readonly ContainerView[];
  readonly errors: readonly FrameworkJobError[];
  /** On a standby: the leader's API, when the leader advertised it. */
  readonly leaderApi?: string;
}

/** Container id → its latest report (the framework's `containerReports()`). */
export type ContainerStatusSource = () => Promise<ReadonlyMap<string, ContainerStatusReport>>;

export function jobState(job: string, service: SchedulerService, reports: ReadonlyMap<string, ContainerStatusReport> = new Map()): JobView {
  const status = service.framework?.status();
  return {
    job,
    leader: service.role === 'leader',
    frameworkId: status?.frameworkId ?? null,
    subscribed: status?.subscribed ?? false,
    jobModelVersion: status?.jobModelVersion ?? null,
    containers: (status?.containers ?? []).map((container) => {
      const report = reports.get(container.id);
      return report === undefined ? container : { ...container, status: report };
    }),
    errors: status?.errors ?? [],
  };
}
