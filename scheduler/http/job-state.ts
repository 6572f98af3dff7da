/**
 * The job's state as `GET /api/v1/job` shows it (and `sluice status`, and the dashboard): what the
 * framework knows of itself, plus each container's own status report when the executors' reports
 * are wired in (`containerStatus`), which is where throughput, lag and restore progress come from.
 */
import type { ContainerStatus, FrameworkJobError } from '../framework/framework-status.js';
import type { SchedulerService } from '../scheduler-service.js';

/** One task of a container as its executor reports it. */
export interface TaskReport {
  readonly name: string;
  readonly state: string;
  /** Messages processed since the container started. */
  readonly processed: number;
  /** Messages of the task's inputs not processed yet; null before it knows. */
  readonly lag: number | null;
  /** Changelog records replayed of those planned; null when nothing was replayed. */
  readonly restore: { readonly done: number; readonly total: number } | null;
}

/** What a container's executor reports of itself; any field may be missing from an older executor. */
export interface ContainerReport {
  readonly tasks: readonly TaskReport[];
  readonly processedTotal: number;
  /** When the report was made, ms since the epoch. */
  readonly at: number;
}

export type ContainerView = ContainerStatus & { readonly status?: ContainerReport };

export interface JobView {
  readonly job: string;
  readonly leader: boolean;
  readonly frameworkId: string | null;
  readonly subscribed: boolean;
  readonly jobModelVersion: number | null;
  readonly containers: readonly ContainerView[];
  readonly errors: readonly FrameworkJobError[];
}

/** Container id → its latest report, as the source knows them (unknown: the source is not typed here). */
export type ContainerStatusSource = () => Promise<ReadonlyMap<string, unknown>>;

export function jobState(job: string, service: SchedulerService, reports: ReadonlyMap<string, unknown> = new Map()): JobView {
  const status = service.framework?.status();
  return {
    job,
    leader: service.role === 'leader',
    frameworkId: status?.frameworkId ?? null,
    subscribed: status?.subscribed ?? false,
    jobModelVersion: status?.jobModelVersion ?? null,
    containers: (status?.containers ?? []).map((container) => {
      const report = reports.get(container.id);
      return report === undefined ? container : { ...container, status: report as ContainerReport };
    }),
    errors: status?.errors ?? [],
  };
}
