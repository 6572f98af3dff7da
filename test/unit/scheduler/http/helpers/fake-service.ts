/**
 * A SchedulerService-shaped object for tests of the scheduler API: the role, the session state, the
 * leader's advertised API, and a framework whose status is given and whose rescale/remove calls are recorded.
 */
import type { FrameworkStatus } from '../../../../../scheduler/framework/framework-status.js';
import type { SchedulerService } from '../../../../../scheduler/scheduler-service.js';

export interface FakeScheduler {
  readonly service: SchedulerService;
  /** The container counts rescale was called with, in order. */
  readonly rescales: number[];
  /** How many times remove was called. */
  removals: number;
}

export const RUNNING_STATUS: FrameworkStatus = {
  frameworkId: 'fw-1',
  subscribed: true,
  jobModelVersion: 3,
  containers: [
    { id: '0', state: 'running', failures: 0, taskId: 'wc.0.a', host: '127.0.0.2' },
    { id: '1', state: 'launching', failures: 1, taskId: 'wc.1.b', host: '127.0.0.3' },
  ],
  errors: [],
};

export function fakeScheduler(
  options: { role?: 'leader' | 'standby'; status?: FrameworkStatus; rescaleError?: Error; leaderApi?: string } = {},
): FakeScheduler {
  const role = options.role ?? 'leader';
  const calls = { rescales: [] as number[], removals: 0 };
  let status = options.status ?? RUNNING_STATUS;
  const framework = {
    status: () => status,
    rescale: async (containers: number) => {
      if (options.rescaleError) throw options.rescaleError;
      calls.rescales.push(containers);
      status = { ...status, jobModelVersion: (status.jobModelVersion ?? 0) + 1 };
    },
    remove: async () => {
      calls.removals += 1;
    },
    // No executors behind a fake: the job view carries no container reports, and store queries find no model.
    containerReports: async () => new Map(),
    currentModel: () => undefined,
    containerApi: {},
  };
  const service = {
    role,
    session: { state: 'connected' },
    framework: role === 'leader' ? framework : undefined,
    leaderApi: async () => options.leaderApi,
  };
  return Object.assign(calls, { service: service as unknown as SchedulerService });
}
