/**
 * One example per Call and Event type of both APIs (plus MasterInfo), fully populated: together
 * they set every field of our schema, which conformance.test.ts checks, so no field escapes the
 * oracle comparison. Types without a body in our subset (inverse offers, operation feedback…)
 * carry only their type: that still checks the enum value.
 */
import type { ExecutorCall, ExecutorEvent, MasterInfo, SchedulerCall, SchedulerEvent } from '../../../shared/mesos/index.js';
import { MESSAGE_NAMES } from '../../../shared/mesos/index.js';
import {
  agentId,
  agentInfo,
  commandTaskInfo,
  executorId,
  executorInfo,
  frameworkId,
  frameworkInfo,
  legacyFrameworkInfo,
  masterInfo,
  offer,
  offerId,
  runningStatus,
  scalar,
  secondOfferId,
  statusUuid,
  taskId,
  taskInfo,
  taskResources,
  volumeResource,
} from './example-parts.js';

type MessageKey = keyof typeof MESSAGE_NAMES;
export interface Example {
  name: string;
  key: MessageKey;
  value: object;
}

const examples: Example[] = [];
const add =
  <T extends object>(key: MessageKey) =>
  (name: string, value: T): void => {
    examples.push({ name, key, value });
  };
const schedulerCall = add<SchedulerCall>('schedulerCall');
const schedulerEvent = add<SchedulerEvent>('schedulerEvent');
const executorCall = add<ExecutorCall>('executorCall');
const executorEvent = add<ExecutorEvent>('executorEvent');
const masterInfoMessage = add<MasterInfo>('masterInfo');

const fw = { framework_id: frameworkId };
const data = Uint8Array.from(Buffer.from('{"cmd":"flush"}', 'utf8'));
const filters = { refuse_seconds: 3600 };

schedulerCall('scheduler-call-subscribe', {
  type: 'SUBSCRIBE',
  ...fw,
  subscribe: { framework_info: frameworkInfo, suppressed_roles: ['sluice-batch'] },
});
schedulerCall('scheduler-call-teardown', { type: 'TEARDOWN', ...fw });
schedulerCall('scheduler-call-accept', {
  type: 'ACCEPT',
  ...fw,
  accept: {
    offer_ids: [offerId, secondOfferId],
    operations: [
      { type: 'RESERVE', reserve: { resources: taskResources.slice(0, 2) } },
      { type: 'CREATE', create: { volumes: [volumeResource] } },
      { type: 'LAUNCH', launch: { task_infos: [taskInfo, commandTaskInfo] } },
      { type: 'LAUNCH_GROUP', launch_group: { executor: executorInfo, task_group: { tasks: [commandTaskInfo] } } },
      { type: 'DESTROY', destroy: { volumes: [volumeResource] } },
      { type: 'UNRESERVE', unreserve: { resources: [scalar('cpus', 0.5)] } },
    ],
    filters,
  },
});
schedulerCall('scheduler-call-decline', { type: 'DECLINE', ...fw, decline: { offer_ids: [offerId], filters } });
schedulerCall('scheduler-call-revive', { type: 'REVIVE', ...fw, revive: { roles: ['sluice'] } });
schedulerCall('scheduler-call-kill', {
  type: 'KILL',
  ...fw,
  kill: { task_id: taskId, agent_id: agentId, kill_policy: { grace_period: { nanoseconds: 30_000_000_000 } } },
});
schedulerCall('scheduler-call-shutdown', { type: 'SHUTDOWN', ...fw, shutdown: { executor_id: executorId, agent_id: agentId } });
schedulerCall('scheduler-call-acknowledge', {
  type: 'ACKNOWLEDGE',
  ...fw,
  acknowledge: { agent_id: agentId, task_id: taskId, uuid: statusUuid },
});
schedulerCall('scheduler-call-reconcile', {
  type: 'RECONCILE',
  ...fw,
  reconcile: { tasks: [{ task_id: taskId, agent_id: agentId }, { task_id: commandTaskInfo.task_id }] },
});
schedulerCall('scheduler-call-message', { type: 'MESSAGE', ...fw, message: { agent_id: agentId, executor_id: executorId, data } });
schedulerCall('scheduler-call-suppress', { type: 'SUPPRESS', ...fw, suppress: { roles: ['sluice'] } });
for (const type of [
  'UNKNOWN',
  'ACCEPT_INVERSE_OFFERS',
  'DECLINE_INVERSE_OFFERS',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE_OPERATIONS',
  'REQUEST',
  'UPDATE_FRAMEWORK',
] as const) {
  schedulerCall(`scheduler-call-${type.toLowerCase()}`, { type, ...fw });
}

schedulerEvent('scheduler-event-subscribed', {
  type: 'SUBSCRIBED',
  subscribed: { framework_id: frameworkId, heartbeat_interval_seconds: 15, master_info: masterInfo },
});
schedulerEvent('scheduler-event-offers', { type: 'OFFERS', offers: { offers: [offer, { ...offer, id: secondOfferId }] } });
schedulerEvent('scheduler-event-rescind', { type: 'RESCIND', rescind: { offer_id: offerId } });
schedulerEvent('scheduler-event-update', { type: 'UPDATE', update: { status: runningStatus } });
schedulerEvent('scheduler-event-message', { type: 'MESSAGE', message: { agent_id: agentId, executor_id: executorId, data } });
schedulerEvent('scheduler-event-failure', {
  type: 'FAILURE',
  failure: { agent_id: agentId, executor_id: executorId, status: 256 },
});
schedulerEvent('scheduler-event-error', { type: 'ERROR', error: { message: 'Framework failed over' } });
for (const type of ['HEARTBEAT', 'INVERSE_OFFERS', 'RESCIND_INVERSE_OFFER', 'UPDATE_OPERATION_STATUS', 'UNKNOWN'] as const) {
  schedulerEvent(`scheduler-event-${type.toLowerCase()}`, { type });
}

const executorIds = { executor_id: executorId, framework_id: frameworkId };
executorCall('executor-call-subscribe', {
  type: 'SUBSCRIBE',
  ...executorIds,
  subscribe: { unacknowledged_tasks: [taskInfo], unacknowledged_updates: [{ status: runningStatus }] },
});
executorCall('executor-call-update', { type: 'UPDATE', ...executorIds, update: { status: runningStatus } });
executorCall('executor-call-message', { type: 'MESSAGE', ...executorIds, message: { data } });
executorCall('executor-call-heartbeat', { type: 'HEARTBEAT', ...executorIds });
executorCall('executor-call-unknown', { type: 'UNKNOWN', ...executorIds });

executorEvent('executor-event-subscribed', {
  type: 'SUBSCRIBED',
  subscribed: {
    executor_info: executorInfo,
    framework_info: frameworkInfo,
    agent_info: agentInfo,
    container_id: { value: 'c2a1e5d0-7f3b-4c6e-9a8d-1b4f2e6c0a97', parent: { value: 'f0e1d2c3-b4a5-4968-8776-655443322110' } },
  },
});
executorEvent('executor-event-launch', { type: 'LAUNCH', launch: { task: taskInfo } });
executorEvent('executor-event-launch-group', {
  type: 'LAUNCH_GROUP',
  launch_group: { task_group: { tasks: [taskInfo, commandTaskInfo] } },
});
executorEvent('executor-event-kill', {
  type: 'KILL',
  kill: { task_id: taskId, kill_policy: { grace_period: { nanoseconds: 5_000_000_000 } } },
});
executorEvent('executor-event-acknowledged', { type: 'ACKNOWLEDGED', acknowledged: { task_id: taskId, uuid: statusUuid } });
executorEvent('executor-event-message', { type: 'MESSAGE', message: { data } });
executorEvent('executor-event-error', { type: 'ERROR', error: { message: 'Executor is not subscribed' } });
for (const type of ['SHUTDOWN', 'HEARTBEAT', 'UNKNOWN'] as const) {
  executorEvent(`executor-event-${type.toLowerCase()}`, { type });
}
// An old framework's FrameworkInfo, to cover the deprecated `role` field.
executorEvent('executor-event-subscribed-legacy-framework', {
  type: 'SUBSCRIBED',
  subscribed: { executor_info: { executor_id: executorId }, framework_info: legacyFrameworkInfo, agent_info: { hostname: 'agent-2' } },
});

masterInfoMessage('master-info', masterInfo);

export const EXAMPLES: readonly Example[] = examples;

export function example(name: string): Example {
  const found = examples.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no Mesos example named ${name}`);
  return found;
}

/** An example as a decoder returns it: bytes fields are Buffers. */
export function decodedForm(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(decodedForm);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, decodedForm(item)]));
  }
  return value;
}
