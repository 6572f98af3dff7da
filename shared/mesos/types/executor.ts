/**
 * TypeScript shapes of mesos.v1.executor.Call and Event (proto/executor.proto). As for the
 * scheduler API, the body matching `type` is set. Conventions: see common.ts.
 */
import type { AgentInfo, ContainerID, ExecutorID, FrameworkID, FrameworkInfo, KillPolicy, TaskID } from './common.js';
import type { ExecutorInfo, TaskGroupInfo, TaskInfo, TaskStatus } from './tasks.js';

export const EXECUTOR_CALL_TYPES = ['UNKNOWN', 'SUBSCRIBE', 'UPDATE', 'MESSAGE', 'HEARTBEAT'] as const;
export type ExecutorCallType = (typeof EXECUTOR_CALL_TYPES)[number];

export interface ExecutorCallUpdate {
  status: TaskStatus;
}
/** What the agent has not acknowledged yet, handed back after a reconnect. */
export interface ExecutorCallSubscribe {
  unacknowledged_tasks?: TaskInfo[];
  unacknowledged_updates?: ExecutorCallUpdate[];
}
export interface ExecutorCallMessage {
  data: Uint8Array;
}

export interface ExecutorCall {
  executor_id: ExecutorID;
  framework_id: FrameworkID;
  type?: ExecutorCallType;
  subscribe?: ExecutorCallSubscribe;
  update?: ExecutorCallUpdate;
  message?: ExecutorCallMessage;
}

export const EXECUTOR_EVENT_TYPES = [
  'UNKNOWN',
  'SUBSCRIBED',
  'LAUNCH',
  'LAUNCH_GROUP',
  'KILL',
  'ACKNOWLEDGED',
  'MESSAGE',
  'ERROR',
  'SHUTDOWN',
  'HEARTBEAT',
] as const;
export type ExecutorEventType = (typeof EXECUTOR_EVENT_TYPES)[number];

export interface ExecutorEventSubscribed {
  executor_info: ExecutorInfo;
  framework_info: FrameworkInfo;
  agent_info: AgentInfo;
  container_id?: ContainerID;
}
export interface ExecutorEventLaunch {
  task: TaskInfo;
}
export interface ExecutorEventLaunchGroup {
  task_group: TaskGroupInfo;
}
export interface ExecutorEventKill {
  task_id: TaskID;
  kill_policy?: KillPolicy;
}
export interface ExecutorEventAcknowledged {
  task_id: TaskID;
  uuid: Uint8Array;
}
export interface ExecutorEventMessage {
  data: Uint8Array;
}
export interface ExecutorEventError {
  message: string;
}

export interface ExecutorEvent {
  type?: ExecutorEventType;
  subscribed?: ExecutorEventSubscribed;
  acknowledged?: ExecutorEventAcknowledged;
  launch?: ExecutorEventLaunch;
  launch_group?: ExecutorEventLaunchGroup;
  kill?: ExecutorEventKill;
  message?: ExecutorEventMessage;
  error?: ExecutorEventError;
}
