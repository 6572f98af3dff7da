/**
 * What an agent tells its master. In Mesos these are libprocess messages (StatusUpdateMessage,
 * ExitedExecutorMessage, ExecutorToFrameworkMessage); in the double the agent calls the master
 * in-process, and a lost agent or a restarting master simply has no port to call.
 */
import type { TaskState, TaskStatus } from '../../../shared/mesos/index.js';

export interface MasterPort {
  /** A status update the agent forwards (retried until acknowledged); `latestState` is the newest state it knows. */
  statusUpdate(agentId: string, frameworkId: string, status: TaskStatus, latestState: TaskState): void;
  /** An executor ended; `status` is its wait status (-1 if it never ran). */
  executorExited(agentId: string, frameworkId: string, executorId: string, status: number): void;
  executorMessage(agentId: string, frameworkId: string, executorId: string, data: Uint8Array): void;
}
