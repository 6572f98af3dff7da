import type { JobModel } from '../../shared/model/job-model.js';
import type { RunningContainer } from './container.js';

/** Starts every container of the job model; on SIGINT/SIGTERM stops them all cleanly. */
export async function startAll(
  jobModel: JobModel,
  start: (containerId: string) => Promise<RunningContainer>,
): Promise<RunningContainer[]> {
  // Listen first: a SIGTERM while containers restore must still end in a clean stop.
  let containers: RunningContainer[] = [];
  let signalled = false;
  const stopAll = () => {
    signalled = true;
    void Promise.allSettled(containers.map((container) => container.stop()));
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  const started = await Promise.allSettled(jobModel.containers.map((container) => start(container.id)));
  containers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed || signalled) stopAll();
  Promise.allSettled(containers.map((container) => container.done)).finally(() => {
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
  });
  if (failed) {
    await Promise.allSettled(containers.map((container) => container.done));
    throw failed.reason;
  }
  return containers;
}

/** Waits for every container; the first failure stops the others and is rethrown. */
export async function waitForAll(containers: readonly RunningContainer[]): Promise<void> {
  try {
    await Promise.all(containers.map((container) => container.done));
  } catch (error) {
    await Promise.allSettled(containers.map((container) => container.stop()));
    throw error;
  }
}
