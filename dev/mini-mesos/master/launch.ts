/**
 * LAUNCH and LAUNCH_GROUP inside an ACCEPT: validated as validation::task::validate and
 * validation::task::group::validate do (an error fails every task of a group with TASK_ERROR,
 * REASON_TASK_INVALID), booked in the master's task table (TASK_STAGING), and sent to the
 * agent. Only custom executors run here: command tasks and the DEFAULT executor would need
 * Mesos's own executor programs.
 */
import { protobufCodec, type ExecutorInfo, type Resource, type TaskInfo } from '../../../shared/mesos/index.js';
import type { Agent } from '../agent/agent.js';
import { completeExecutorInfo } from '../agent/agent-status.js';
import { toInternalList } from '../resources/resource-format.js';
import { addResources, containsResources, subtractResources } from '../resources/resource-math.js';
import type { Framework } from './framework-registry.js';
import type { Master } from './master.js';
import { masterStatus } from './master-status.js';
import type { Pools } from './operations.js';

export interface Launch {
  tasks: TaskInfo[];
  executor: ExecutorInfo | undefined;
  /** LAUNCH_GROUP: validated, accounted and delivered as one. */
  group: boolean;
}

/** One LAUNCH task, or one LAUNCH_GROUP; returns the pools with its resources taken. */
export function launch(master: Master, framework: Framework, agent: Agent, pools: Pools, role: string, request: Launch): Pools {
  const fail = (message: string): Pools => {
    for (const task of request.tasks) {
      master.sendUpdate(
        framework.id,
        masterStatus({ taskId: task.task_id.value, state: 'TASK_ERROR', reason: 'REASON_TASK_INVALID', message }),
      );
    }
    return pools;
  };
  const error = validateLaunch(master, framework, agent, request);
  if (error !== undefined || request.executor === undefined) return fail(error ?? 'no executor');
  const executorInfo = completeExecutorInfo(withAllocation(request.executor, role), framework.id);
  const existing = master.tasks.getExecutor(framework.id, agent.id, executorInfo.executor_id.value);
  if (executorInfo.framework_id?.value !== framework.id) {
    return fail(`ExecutorInfo has an invalid FrameworkID (Actual: ${executorInfo.framework_id?.value ?? ''} vs Expected: ${framework.id})`);
  }
  if (existing !== undefined && !sameExecutorInfo(existing.info, executorInfo)) {
    return fail('ExecutorInfo is not compatible with existing ExecutorInfo (with same ExecutorID)');
  }
  const taskResources = request.tasks.map((task) => toInternalList(task.resources));
  const executorResources = toInternalList(executorInfo.resources);
  const needed = addResources(taskResources.flat(), existing === undefined ? executorResources : []);
  if (!containsResources(pools.offered, needed)) {
    return fail(`Task uses more resources ${JSON.stringify(needed)} than available ${JSON.stringify(pools.offered)}`);
  }
  if (existing === undefined)
    master.tasks.addExecutor({ frameworkId: framework.id, agentId: agent.id, info: executorInfo, resources: executorResources });
  const launched = request.tasks.map((task, index): TaskInfo => {
    const info: TaskInfo = { ...task, resources: stamp(task.resources, role), executor: request.group ? task.executor : executorInfo };
    master.tasks.add({
      frameworkId: framework.id,
      agentId: agent.id,
      executorId: executorInfo.executor_id.value,
      info,
      resources: taskResources[index] ?? [],
      state: 'TASK_STAGING',
      statusUpdateState: undefined,
      statusUpdateUuid: undefined,
    });
    return info;
  });
  agent.runTasks(framework.info, executorInfo, launched, request.group);
  return { offered: subtractResources(pools.offered, needed), total: pools.total };
}

function validateLaunch(master: Master, framework: Framework, agent: Agent, { tasks, executor, group }: Launch): string | undefined {
  const seen = new Set<string>();
  for (const task of tasks) {
    const taskId = task.task_id.value;
    if (taskId === '') return 'ID must not be empty';
    if (master.tasks.get(framework.id, taskId) !== undefined || seen.has(taskId)) return `Task has duplicate ID: ${taskId}`;
    seen.add(taskId);
    if (task.agent_id.value !== agent.id) return `Task uses invalid agent: ${task.agent_id.value}`;
    if (!group && (task.executor === undefined) === (task.command === undefined)) {
      return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
    }
    if (group && task.executor !== undefined && executor !== undefined && !sameExecutorInfo(task.executor, executor)) {
      return `The ExecutorInfo of task '${taskId}' is different from the executor of the task group`;
    }
  }
  if (executor === undefined)
    return 'command tasks need the Mesos command executor, which the mini Mesos does not run; give the task an ExecutorInfo';
  if (group && executor.type === undefined) return "'ExecutorInfo.type' must be set";
  if (executor.type === 'DEFAULT')
    return "the DEFAULT executor is Mesos's own program, which the mini Mesos does not run; use a CUSTOM executor";
  if (!group && executor.type !== undefined && executor.type !== 'CUSTOM') return "'ExecutorInfo.type' must be 'CUSTOM'";
  return undefined;
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
