/**
 * TypeScript shapes of mesos.v1.scheduler.Call and Event (proto/scheduler.proto). The body
 * matching `type` is set (e.g. `accept` for ACCEPT); the interfaces mirror the proto instead of
 * a tagged union because that is what arrives on the wire, where a peer may omit a body: a
 * receiver checks. Conventions: see common.ts.
 */
import type { AgentID, ExecutorID, Filters, FrameworkID, FrameworkInfo, KillPolicy, MasterInfo, OfferID, TaskID } from './common.js';
import type { Offer, OfferOperation } from './resources.js';
import type { TaskStatus } from './tasks.js';

export const SCHEDULER_CALL_TYPES = [
  'UNKNOWN',
  'SUBSCRIBE',
  'TEARDOWN',
  'ACCEPT',
  'DECLINE',
  'ACCEPT_INVERSE_OFFERS',
  'DECLINE_INVERSE_OFFERS',
  'REVIVE',
  'KILL',
  'SHUTDOWN',
  'ACKNOWLEDGE',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE',
  'RECONCILE_OPERATIONS',
  'MESSAGE',
  'REQUEST',
  'SUPPRESS',
  'UPDATE_FRAMEWORK',
] as const;
export type SchedulerCallType = (typeof SCHEDULER_CALL_TYPES)[number];

export interface SchedulerCallSubscribe {
  framework_info: FrameworkInfo;
  suppressed_roles?: string[];
}
export interface SchedulerCallAccept {
  offer_ids?: OfferID[];
  operations?: OfferOperation[];
  filters?: Filters;
}
export interface SchedulerCallDecline {
  offer_ids?: OfferID[];
  filters?: Filters;
}
export interface SchedulerCallRevive {
  roles?: string[];
}
export interface SchedulerCallKill {
  task_id: TaskID;
  agent_id?: AgentID;
  kill_policy?: KillPolicy;
}
export interface SchedulerCallShutdown {
  executor_id: ExecutorID;
  agent_id: AgentID;
}
export interface SchedulerCallAcknowledge {
  agent_id: AgentID;
  task_id: TaskID;
  uuid: Uint8Array;
}
export interface SchedulerCallReconcileTask {
  task_id: TaskID;
  agent_id?: AgentID;
}
export interface SchedulerCallReconcile {
  tasks?: SchedulerCallReconcileTask[];
}
export interface SchedulerCallMessage {
  agent_id: AgentID;
  executor_id: ExecutorID;
  data: Uint8Array;
}
export interface SchedulerCallSuppress {
  roles?: string[];
}

export interface SchedulerCall {
  /** Required by every call but a first SUBSCRIBE. */
  framework_id?: FrameworkID;
  type?: SchedulerCallType;
  subscribe?: SchedulerCallSubscribe;
  accept?: SchedulerCallAccept;
  decline?: SchedulerCallDecline;
  revive?: SchedulerCallRevive;
  kill?: SchedulerCallKill;
  shutdown?: SchedulerCallShutdown;
  acknowledge?: SchedulerCallAcknowledge;
  reconcile?: SchedulerCallReconcile;
  message?: SchedulerCallMessage;
  suppress?: SchedulerCallSuppress;
}

export const SCHEDULER_EVENT_TYPES = [
  'UNKNOWN',
  'SUBSCRIBED',
  'OFFERS',
  'INVERSE_OFFERS',
  'RESCIND',
  'RESCIND_INVERSE_OFFER',
  'UPDATE',
  'UPDATE_OPERATION_STATUS',
  'MESSAGE',
  'FAILURE',
  'ERROR',
  'HEARTBEAT',
] as const;
export type SchedulerEventType = (typeof SCHEDULER_EVENT_TYPES)[number];

export interface SchedulerEventSubscribed {
  framework_id: FrameworkID;
  /** Mesos sends 15; ~5 missed heartbeats mean a dead stream. */
  heartbeat_interval_seconds?: number;
  master_info?: MasterInfo;
}
export interface SchedulerEventOffers {
  offers?: Offer[];
}
export interface SchedulerEventRescind {
  offer_id: OfferID;
}
export interface SchedulerEventUpdate {
  status: TaskStatus;
}
export interface SchedulerEventMessage {
  agent_id: AgentID;
  executor_id: ExecutorID;
  data: Uint8Array;
}
/** An executor exited (executor_id + status) or an agent was removed (agent_id alone). */
export interface SchedulerEventFailure {
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  status?: number;
}
export interface SchedulerEventError {
  message: string;
}

export interface SchedulerEvent {
  type?: SchedulerEventType;
  subscribed?: SchedulerEventSubscribed;
  offers?: SchedulerEventOffers;
  rescind?: SchedulerEventRescind;
  update?: SchedulerEventUpdate;
  message?: SchedulerEventMessage;
  failure?: SchedulerEventFailure;
  error?: SchedulerEventError;
}
