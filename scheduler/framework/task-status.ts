/**
 * Which lifecycle event a task state means for the container running it. Sluice containers never
 * finish on their own, so any terminal state we did not cause by a KILL is a failure; LOST and
 * UNREACHABLE are failures too (we are not PARTITION_AWARE, and a relaunch elsewhere is what
 * brings the tasks back; the stale task is killed if it ever reappears).
 */
import type { TaskState, TaskStatus } from '../../shared/mesos/index.js';
import type { LifecycleEvent } from './container-lifecycle.js';

const IN_FLIGHT: ReadonlySet<TaskState> = new Set(['TASK_STAGING', 'TASK_STARTING', 'TASK_KILLING']);

/** undefined: nothing changes for the container (still starting, or being killed). */
export function eventForStatus(state: TaskState, killedByUs: boolean): LifecycleEvent | undefined {
  if (state === 'TASK_RUNNING') return 'running';
  if (IN_FLIGHT.has(state)) return undefined;
  return killedByUs ? 'killed' : 'failed';
}

/**
 * Whether the agent saw the task's executor process end (it exited or was killed): the one case
 * where the container is known dead. LOST, UNREACHABLE or GONE say nothing of the process, and an
 * executor's own TASK_FAILED comes from a process that is still running.
 */
export function executorEnded(status: Pick<TaskStatus, 'state' | 'source' | 'reason'>): boolean {
  return status.state === 'TASK_FAILED' && status.source === 'SOURCE_AGENT' && status.reason === 'REASON_EXECUTOR_TERMINATED';
}

/** The reasons Mesos gives when a task's agent is gone (removed, or disconnected without recovery). */
const AGENT_GONE: ReadonlySet<string> = new Set(['REASON_AGENT_REMOVED', 'REASON_AGENT_REMOVED_BY_OPERATOR', 'REASON_AGENT_DISCONNECTED']);

/**
 * Whether the task went with its agent: the agent is unreachable or removed, so its relaunch lands
 * elsewhere, without its local state. (An executor that died on a live agent is relaunched there,
 * on its volume, and keeps its state.)
 */
export function lostWithAgent(status: Pick<TaskStatus, 'state' | 'reason'>): boolean {
  if (status.state === 'TASK_UNREACHABLE' || status.state === 'TASK_GONE' || status.state === 'TASK_GONE_BY_OPERATOR') return true;
  return status.state === 'TASK_LOST' && status.reason !== undefined && AGENT_GONE.has(status.reason);
}
