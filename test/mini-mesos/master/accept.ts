/**
 * ACCEPT (master.cpp `accept` and `_accept`): the named offers are taken; if any is invalid,
 * every task the call would launch gets TASK_DROPPED (TASK_LOST for frameworks that are not
 * PARTITION_AWARE) with REASON_INVALID_OFFERS. Otherwise the operations run in order on what the
 * offers hold, not atomically; an invalid LAUNCH task gets TASK_ERROR (REASON_TASK_INVALID), an
 * invalid reservation or volume operation is dropped. What is left is declined with the call's
 * filters.
 */
import {
  protobufCodec,
  type ExecutorInfo,
  type OfferOperation,
  type Resource,
  type SchedulerCallAccept,
  type TaskInfo,
} from '../../../shared/mesos/index.js';
import type { Agent } from '../agent/agent.js';
import { completeExecutorInfo } from '../agent/agent-status.js';
import { toInternalList } from '../resources/resource-format.js';
import { addResources, containsResources, subtractResources } from '../resources/resource-math.js';
import { refuseSeconds } from './allocator.js';
import type { Framework } from './framework-registry.js';
import type { Master } from './master.js';
import { masterStatus, partitionState } from './master-status.js';
import { create, destroy, reserve, unreserve, type OperationOutcome, type Pools } from './operations.js';

export function accept(master: Master, framework: Framework, call: SchedulerCallAccept): void {
  const operations = call.operations ?? [];
  const { records, error } = master.allocator.take(framework.id, (call.offer_ids ?? []).map((id) => id.value));
  const agentId = records[0]?.agentId;
  const agent = agentId === undefined ? undefined : master.registeredAgent(agentId);
  if (error !== undefined || agent === undefined) {
    const reason = error ?? 'No valid offers';
    for (const task of operations.flatMap(tasksOf)) {
      const state = partitionState(framework.info, 'TASK_DROPPED');
      master.sendUpdate(framework.id, masterStatus({ taskId: task.task_id.value, state, reason: 'REASON_INVALID_OFFERS', message: `Task launched with invalid offers: ${reason}` }));
    }
    return;
  }
  let pools: Pools = { offered: addResources(records.flatMap((record) => record.resources), []), total: [...agent.resources.total] };
  const role = records[0]?.role ?? '*';
  for (const operation of operations) {
    if (operation.type === 'LAUNCH') {
      for (const task of operation.launch?.task_infos ?? []) pools = launch(master, framework, agent, pools, task, role);
      continue;
    }
    if (operation.type === 'LAUNCH_GROUP') {
      for (const task of tasksOf(operation)) taskError(master, framework, task, 'LAUNCH_GROUP needs the DEFAULT executor, which the mini Mesos does not run');
      continue;
    }
    const outcome = applyResourceOperation(master, framework, agent, pools, operation);
    if (outcome.error !== undefined) {
      master.log.warn(`dropping ${operation.type ?? 'UNKNOWN'} of framework ${framework.id}: ${outcome.error}`);
      continue;
    }
    pools = outcome.pools;
    agent.checkpointResources(pools.total);
  }
  master.allocator.recover(framework.id, agent.id, pools.offered, refuseSeconds(call.filters));
}

function applyResourceOperation(master: Master, framework: Framework, agent: Agent, pools: Pools, operation: OfferOperation): OperationOutcome {
  switch (operation.type) {
    case 'RESERVE':
      return reserve(pools, toInternalList(operation.reserve?.resources), framework.info);
    case 'UNRESERVE':
      return unreserve(pools, toInternalList(operation.unreserve?.resources));
    case 'CREATE': {
      const existing = new Set(agent.resources.volumes().map((volume) => volume.persistenceId));
      return create(pools, toInternalList(operation.create?.volumes), framework.info, existing);
    }
    case 'DESTROY':
      return destroy(pools, toInternalList(operation.destroy?.volumes));
    default:
      return { error: `unsupported operation type '${operation.type ?? 'UNKNOWN'}'` };
  }
}

function tasksOf(operation: OfferOperation): TaskInfo[] {
  if (operation.type === 'LAUNCH') return operation.launch?.task_infos ?? [];
  if (operation.type === 'LAUNCH_GROUP') return operation.launch_group?.task_group.tasks ?? [];
  return [];
}

function taskError(master: Master, framework: Framework, task: TaskInfo, message: string): void {
  master.sendUpdate(framework.id, masterStatus({ taskId: task.task_id.value, state: 'TASK_ERROR', reason: 'REASON_TASK_INVALID', message }));
}

/** One task of a LAUNCH: validated as validation::task::validate does, then sent to the agent. */
function launch(master: Master, framework: Framework, agent: Agent, pools: Pools, task: TaskInfo, role: string): Pools {
  const fail = (message: string): Pools => {
    taskError(master, framework, task, message);
    return pools;
  };
  const taskId = task.task_id.value;
  if (taskId === '') return fail("ID must not be empty");
  if (master.tasks.get(framework.id, taskId) !== undefined) return fail(`Task has duplicate ID: ${taskId}`);
  if (task.agent_id.value !== agent.id) return fail(`Task uses invalid agent: ${task.agent_id.value}`);
  if ((task.executor === undefined) === (task.command === undefined)) {
    return fail('Task should have at least one (but not both) of CommandInfo or ExecutorInfo present');
  }
  if (task.executor === undefined) return fail('command tasks need the Mesos command executor, which the mini Mesos does not run; give the task an ExecutorInfo');
  const executorInfo = completeExecutorInfo(withAllocation(task.executor, role), framework.id);
  if (executorInfo.framework_id?.value !== framework.id) {
    return fail(`ExecutorInfo has an invalid FrameworkID (Actual: ${executorInfo.framework_id?.value ?? ''} vs Expected: ${framework.id})`);
  }
  const existing = master.tasks.getExecutor(framework.id, agent.id, executorInfo.executor_id.value);
  if (existing !== undefined && !sameExecutorInfo(existing.info, executorInfo)) {
    return fail('ExecutorInfo is not compatible with existing ExecutorInfo (with same ExecutorID)');
  }
  const taskResources = toInternalList(task.resources);
  const executorResources = toInternalList(executorInfo.resources);
  const needed = existing === undefined ? addResources(taskResources, executorResources) : taskResources;
  if (!containsResources(pools.offered, needed)) {
    return fail(`Task uses more resources ${JSON.stringify(needed)} than available ${JSON.stringify(pools.offered)}`);
  }
  if (existing === undefined) master.tasks.addExecutor({ frameworkId: framework.id, agentId: agent.id, info: executorInfo, resources: executorResources });
  const launched: TaskInfo = { ...task, resources: stamp(task.resources, role), executor: executorInfo };
  master.tasks.add({
    frameworkId: framework.id,
    agentId: agent.id,
    executorId: executorInfo.executor_id.value,
    info: launched,
    resources: taskResources,
    state: 'TASK_STAGING',
    statusUpdateState: undefined,
    statusUpdateUuid: undefined,
  });
  agent.runTask(framework.info, launched, executorInfo);
  return { offered: subtractResources(pools.offered, needed), total: pools.total };
}

/** Mesos injects allocation_info into the resources of operations that lack it. */
function stamp(resources: Resource[] | undefined, role: string): Resource[] | undefined {
  return resources?.map((resource) => (resource.allocation_info === undefined ? { ...resource, allocation_info: { role } } : resource));
}

function withAllocation(info: ExecutorInfo, role: string): ExecutorInfo {
  return info.resources === undefined ? info : { ...info, resources: stamp(info.resources, role) };
}

function sameExecutorInfo(a: ExecutorInfo, b: ExecutorInfo): boolean {
  const codec = protobufCodec.message<ExecutorInfo>('mesos.v1.ExecutorInfo');
  return Buffer.compare(Buffer.from(codec.encode(a)), Buffer.from(codec.encode(b))) === 0;
}
