/**
 * Status updates the agent itself generates (protobuf::createStatusUpdate with SOURCE_AGENT):
 * they carry a fresh uuid, so the scheduler must acknowledge them like an executor's.
 */
import type { ExecutorInfo, FrameworkInfo, TaskState, TaskStatus, TaskStatusReason } from '../../../shared/mesos/index.js';
import { newUuidBytes } from '../ids.js';
import { hasCapability } from '../resources/resource-format.js';
import type { ExecutorRunner } from './executor-runner.js';

/** One framework as the agent knows it. */
export interface AgentFramework {
  id: string;
  info: FrameworkInfo;
  executors: Map<string, ExecutorRunner>;
  /** Shut down by the master: executors are going away, updates are dropped. */
  terminating: boolean;
}

export function agentStatus(
  agent: { id: string },
  taskId: string,
  state: TaskState,
  reason: TaskStatusReason,
  message: string,
  executorId?: string,
): TaskStatus {
  return {
    task_id: { value: taskId },
    state,
    message,
    source: 'SOURCE_AGENT',
    reason,
    agent_id: { value: agent.id },
    executor_id: executorId === undefined ? undefined : { value: executorId },
    timestamp: Date.now() / 1000,
    uuid: newUuidBytes(),
  };
}

/** A task that never ran: TASK_DROPPED for PARTITION_AWARE frameworks, TASK_LOST for the rest. */
export function droppedState(framework: FrameworkInfo): TaskState {
  return hasCapability(framework, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
}

/** The ExecutorInfo an agent hands back in SUBSCRIBED: the framework id filled in, as Mesos does. */
export function completeExecutorInfo(info: ExecutorInfo, frameworkId: string): ExecutorInfo {
  return { ...info, framework_id: info.framework_id ?? { value: frameworkId } };
}
