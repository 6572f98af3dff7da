/**
 * ACCEPT (master.cpp `accept` and `_accept`): the named offers are taken; if any is invalid,
 * every task the call would launch gets TASK_DROPPED (TASK_LOST for frameworks that are not
 * PARTITION_AWARE) with REASON_INVALID_OFFERS. Otherwise the operations run in order on what the
 * offers hold, not atomically (launch.ts for LAUNCH and LAUNCH_GROUP); an invalid reservation
 * or volume operation is dropped. What is left is declined with the call's filters.
 */
import type { OfferOperation, SchedulerCallAccept, TaskInfo } from '../../../shared/mesos/index.js';
import type { Agent } from '../agent/agent.js';
import { toInternalList } from '../resources/resource-format.js';
import { addResources } from '../resources/resource-math.js';
import { refuseSeconds } from './allocator.js';
import type { Framework } from './framework-registry.js';
import { launch } from './launch.js';
import type { Master } from './master.js';
import { masterStatus, partitionState } from './master-status.js';
import { create, destroy, reserve, unreserve, type OperationOutcome, type Pools } from './operations.js';

export function accept(master: Master, framework: Framework, call: SchedulerCallAccept): void {
  const operations = call.operations ?? [];
  const { records, error } = master.allocator.take(
    framework.id,
    (call.offer_ids ?? []).map((id) => id.value),
  );
  const agentId = records[0]?.agentId;
  const agent = agentId === undefined ? undefined : master.registeredAgent(agentId);
  if (error !== undefined || agent === undefined) {
    const reason = error ?? 'No valid offers';
    for (const task of operations.flatMap(tasksOf)) {
      const state = partitionState(framework.info, 'TASK_DROPPED');
      master.sendUpdate(
        framework.id,
        masterStatus({
          taskId: task.task_id.value,
          state,
          reason: 'REASON_INVALID_OFFERS',
          message: `Task launched with invalid offers: ${reason}`,
        }),
      );
    }
    return;
  }
  let pools: Pools = {
    offered: addResources(
      records.flatMap((record) => record.resources),
      [],
    ),
    total: [...agent.resources.total],
  };
  const role = records[0]?.role ?? '*';
  for (const operation of operations) {
    if (operation.type === 'LAUNCH') {
      for (const task of operation.launch?.task_infos ?? [])
        pools = launch(master, framework, agent, pools, role, { tasks: [task], executor: task.executor, group: false });
      continue;
    }
    if (operation.type === 'LAUNCH_GROUP') {
      const group = operation.launch_group;
      pools = launch(master, framework, agent, pools, role, {
        tasks: group?.task_group.tasks ?? [],
        executor: group?.executor,
        group: true,
      });
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

function applyResourceOperation(
  master: Master,
  framework: Framework,
  agent: Agent,
  pools: Pools,
  operation: OfferOperation,
): OperationOutcome {
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
