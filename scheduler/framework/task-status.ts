/**
 * Which lifecycle event a task state means for the container running it. Sluice containers never
 * finish on their own, so any terminal state we did not cause by a KILL is a failure; LOST and
 * UNREACHABLE are failures too (we are not PARTITION_AWARE, and a relaunch elsewhere is what
 * brings the tasks back; the stale task is killed if it ever reappears).
 */
import type { TaskState } from '../../shared/mesos/index.js';
import type { LifecycleEvent } from './container-lifecycle.js';

const IN_FLIGHT: ReadonlySet<TaskState> = new Set(['TASK_STAGING', 'TASK_STARTING', 'TASK_KILLING']);

/** undefined: nothing changes for the container (still starting, or being killed). */
export function eventForStatus(state: TaskState, killedByUs: boolean): LifecycleEvent | undefined {
  if (state === 'TASK_RUNNING') return 'running';
  if (IN_FLIGHT.has(state)) return undefined;
  return killedByUs ? 'killed' : 'failed';
}
