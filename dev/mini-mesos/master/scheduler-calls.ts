/**
 * Every scheduler call but SUBSCRIBE, for a subscribed framework whose stream id matched.
 * Returns the HTTP status: 202 as Mesos answers them all (results come as events), 501 for the
 * calls the double does not implement (operation feedback, UPDATE_FRAMEWORK, UNKNOWN).
 */
import {
  isTerminalTaskState,
  type SchedulerCall,
  type SchedulerCallAcknowledge,
  type SchedulerCallKill,
} from '../../../shared/mesos/index.js';
import { uuidKey } from '../ids.js';
import { accept } from './accept.js';
import { refuseSeconds } from './allocator.js';
import type { Framework } from './framework-registry.js';
import type { Master } from './master.js';
import { reconcile } from './reconcile.js';

const ACCEPTED = 202;
const NOT_IMPLEMENTED = 501;

export function handleCall(master: Master, framework: Framework, call: SchedulerCall): number {
  switch (call.type) {
    case 'TEARDOWN':
      master.removeFramework(framework);
      return ACCEPTED;
    case 'ACCEPT':
      if (call.accept !== undefined) accept(master, framework, call.accept);
      return ACCEPTED;
    case 'DECLINE': {
      // Offers no longer valid are ignored, as master.cpp `decline` does.
      const { records } = master.allocator.take(
        framework.id,
        (call.decline?.offer_ids ?? []).map((id) => id.value),
      );
      const refuse = refuseSeconds(call.decline?.filters);
      for (const record of records) master.allocator.recover(framework.id, record.agentId, record.resources, refuse);
      return ACCEPTED;
    }
    case 'REVIVE':
      master.allocator.revive(framework, call.revive?.roles ?? []);
      return ACCEPTED;
    case 'SUPPRESS':
      master.allocator.suppress(framework, call.suppress?.roles ?? []);
      return ACCEPTED;
    case 'KILL':
      if (call.kill !== undefined) kill(master, framework, call.kill);
      return ACCEPTED;
    case 'SHUTDOWN':
      if (call.shutdown !== undefined) {
        master.registeredAgent(call.shutdown.agent_id.value)?.shutdownExecutor(framework.id, call.shutdown.executor_id.value);
      }
      return ACCEPTED;
    case 'ACKNOWLEDGE':
      if (call.acknowledge !== undefined) acknowledge(master, framework, call.acknowledge);
      return ACCEPTED;
    case 'RECONCILE':
      reconcile(master, framework, call.reconcile ?? {});
      return ACCEPTED;
    case 'MESSAGE':
      if (call.message !== undefined) {
        const { agent_id, executor_id, data } = call.message;
        master.registeredAgent(agent_id.value)?.frameworkMessage(framework.id, executor_id.value, data);
      }
      return ACCEPTED;
    case 'REQUEST':
    case 'ACCEPT_INVERSE_OFFERS':
    case 'DECLINE_INVERSE_OFFERS':
      // No-ops in Mesos too for a cluster without maintenance windows.
      return ACCEPTED;
    default:
      return NOT_IMPLEMENTED;
  }
}

/** master.cpp `kill`: an unknown task is reconciled (TASK_LOST or the like); a known one is killed on its agent. */
function kill(master: Master, framework: Framework, call: SchedulerCallKill): void {
  const task = master.tasks.get(framework.id, call.task_id.value);
  if (task === undefined) {
    reconcile(master, framework, { tasks: [{ task_id: call.task_id, agent_id: call.agent_id }] });
    return;
  }
  if (call.agent_id !== undefined && call.agent_id.value !== task.agentId) return;
  master.registeredAgent(task.agentId)?.killTask(framework.id, task.info.task_id.value, call.kill_policy ?? task.info.kill_policy);
}

/**
 * master.cpp `acknowledge`: forwarded to the agent; a terminal task whose forwarded update is the
 * one acknowledged leaves the master's books.
 */
function acknowledge(master: Master, framework: Framework, call: SchedulerCallAcknowledge): void {
  const agent = master.registeredAgent(call.agent_id.value);
  if (agent === undefined) return;
  const task = master.tasks.get(framework.id, call.task_id.value);
  if (
    task !== undefined &&
    task.statusUpdateState !== undefined &&
    isTerminalTaskState(task.statusUpdateState) &&
    task.statusUpdateUuid === uuidKey(call.uuid)
  ) {
    master.tasks.remove(task);
  }
  agent.acknowledge(framework.id, call.task_id.value, call.uuid);
}
