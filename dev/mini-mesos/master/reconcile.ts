/**
 * RECONCILE (master.cpp `reconcile`). Implicit (no tasks): the latest state of every task the
 * master knows for the framework. Explicit: per task, its latest state if known; else, by what
 * the master knows of the given agent, TASK_GONE (agent registered), TASK_UNREACHABLE (agent
 * unreachable) or TASK_UNKNOWN — each TASK_LOST for frameworks that are not PARTITION_AWARE.
 * "Latest" is the state of the update being forwarded, as in Mesos. No uuid: not acknowledged.
 */
import type { SchedulerCallReconcile, TaskStatus } from '../../../shared/mesos/index.js';
import type { Framework } from './framework-registry.js';
import type { Master } from './master.js';
import { masterStatus, partitionState } from './master-status.js';
import type { MasterTask } from './task-table.js';

export function reconcile(master: Master, framework: Framework, call: SchedulerCallReconcile): void {
  const wanted = call.tasks ?? [];
  const statuses: TaskStatus[] =
    wanted.length === 0
      ? master.tasks.ofFramework(framework.id).map(latest)
      : wanted.map(({ task_id, agent_id }) => {
          const task = master.tasks.get(framework.id, task_id.value);
          if (task !== undefined) return latest(task);
          const agentId = agent_id?.value;
          const taskId = task_id.value;
          if (agentId !== undefined && master.registeredAgent(agentId) !== undefined) {
            const state = partitionState(framework.info, 'TASK_GONE');
            return masterStatus({
              taskId,
              agentId,
              state,
              reason: 'REASON_RECONCILIATION',
              message: 'Reconciliation: Task is unknown to the agent',
            });
          }
          const unreachableSince = agentId === undefined ? undefined : master.unreachableSince(agentId);
          if (agentId !== undefined && unreachableSince !== undefined) {
            const state = partitionState(framework.info, 'TASK_UNREACHABLE');
            const unreachableTime = { nanoseconds: unreachableSince * 1e6 };
            return masterStatus({
              taskId,
              agentId,
              state,
              reason: 'REASON_RECONCILIATION',
              message: 'Reconciliation: Task is unreachable',
              unreachableTime,
            });
          }
          const state = partitionState(framework.info, 'TASK_UNKNOWN');
          return masterStatus({ taskId, agentId, state, reason: 'REASON_RECONCILIATION', message: 'Reconciliation: Task is unknown' });
        });
  for (const status of statuses) master.sendUpdate(framework.id, status);
}

function latest(task: MasterTask): TaskStatus {
  return masterStatus({
    taskId: task.info.task_id.value,
    agentId: task.agentId,
    executorId: task.executorId,
    state: task.statusUpdateState ?? task.state,
    reason: 'REASON_RECONCILIATION',
    message: 'Reconciliation: Latest task state',
  });
}
