/**
 * Status updates the master makes up itself (SOURCE_MASTER): reconciliation answers, invalid
 * launches, tasks lost with their agent. They carry no uuid, so a scheduler must not (and cannot)
 * acknowledge them (protobuf::createStatusUpdate called with uuid None()).
 */
import type { FrameworkInfo, TaskState, TaskStatus, TaskStatusReason, TimeInfo } from '../../../shared/mesos/index.js';
import { hasCapability } from '../resources/resource-format.js';

export interface MasterStatusInput {
  taskId: string;
  state: TaskState;
  reason: TaskStatusReason;
  message: string;
  agentId?: string;
  executorId?: string;
  unreachableTime?: TimeInfo;
}

export function masterStatus(input: MasterStatusInput): TaskStatus {
  return {
    task_id: { value: input.taskId },
    state: input.state,
    message: input.message,
    source: 'SOURCE_MASTER',
    reason: input.reason,
    agent_id: input.agentId === undefined ? undefined : { value: input.agentId },
    executor_id: input.executorId === undefined ? undefined : { value: input.executorId },
    timestamp: Date.now() / 1000,
    unreachable_time: input.unreachableTime,
  };
}

/** The PARTITION_AWARE state, or TASK_LOST for frameworks without the capability (Mesos's rule). */
export function partitionState(framework: FrameworkInfo, state: TaskState): TaskState {
  return hasCapability(framework, 'PARTITION_AWARE') ? state : 'TASK_LOST';
}
