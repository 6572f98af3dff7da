/**
 * GET /state (and /master/state): a small subset of Mesos's /master/state JSON, with its field
 * names (`slaves`, `framework_id`, `slave_id`, resources as `{cpus, mem, disk, ports}` with
 * ports as "[31000-32000]"), so tools and humans used to Mesos can read it.
 */
import type { Resource } from '../../../shared/mesos/index.js';
import { snapshotState } from '../state.js';
import type { Master } from './master.js';

export function stateJson(master: Master): Record<string, unknown> {
  const state = snapshotState(master);
  const agents = master.allAgents();
  return {
    id: master.id,
    pid: master.info.pid,
    hostname: master.info.hostname,
    version: master.info.version,
    activated_slaves: agents.filter((a) => a.unreachableSince === undefined).length,
    unreachable_slaves: agents.filter((a) => a.unreachableSince !== undefined).map((a) => a.agent.id),
    frameworks: state.frameworks.map((framework) => ({
      id: framework.id,
      name: framework.name,
      active: framework.connected,
      connected: framework.connected,
      roles: framework.roles,
      failover_timeout: framework.failoverTimeoutSeconds,
      tasks: master.tasks.ofFramework(framework.id).map((task) => ({
        id: task.info.task_id.value,
        name: task.info.name,
        framework_id: task.frameworkId,
        executor_id: task.executorId,
        slave_id: task.agentId,
        state: task.state,
        resources: summary(task.resources),
      })),
      completed_tasks: state.completedTasks
        .filter((task) => task.frameworkId === framework.id)
        .map((task) => ({
          id: task.taskId,
          name: task.name,
          framework_id: task.frameworkId,
          executor_id: task.executorId,
          slave_id: task.agentId,
          state: task.state,
        })),
      offers: state.offers
        .filter((offer) => offer.frameworkId === framework.id)
        .map((offer) => ({ id: offer.id, framework_id: offer.frameworkId, slave_id: offer.agentId, resources: summary(offer.resources) })),
    })),
    completed_frameworks: state.removedFrameworks.map((id) => ({ id })),
    slaves: state.agents.map((agent) => ({
      id: agent.id,
      hostname: agent.hostname,
      port: agent.port,
      pid: `slave(1)@${agent.hostname}:${agent.port}`,
      active: agent.reachable,
      resources: summary(agent.resources),
      unreserved_resources: summary(agent.resources.filter((resource) => (resource.reservations ?? []).length === 0)),
      reserved_resources_full: groupByRole(state.reservations.filter((r) => r.agentId === agent.id).map((r) => r.resource)),
    })),
  };
}

/** Mesos's JSON of `Resources`: scalars summed by name, ranges as "[a-b, c-d]". */
function summary(resources: readonly Resource[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const resource of resources) {
    if (resource.type === 'SCALAR')
      out[resource.name] = Math.round(((Number(out[resource.name]) || 0) + (resource.scalar?.value ?? 0)) * 1000) / 1000;
    if (resource.type === 'RANGES') {
      const ranges = (resource.ranges?.range ?? []).map((range) => `${range.begin}-${range.end}`);
      const previous = typeof out[resource.name] === 'string' ? String(out[resource.name]).slice(1, -1) : '';
      out[resource.name] = `[${[previous, ...ranges].filter((part) => part !== '').join(', ')}]`;
    }
  }
  return out;
}

function groupByRole(resources: readonly Resource[]): Record<string, Resource[]> {
  const out: Record<string, Resource[]> = {};
  for (const resource of resources) {
    const role = resource.reservations?.at(-1)?.role ?? '*';
    (out[role] ??= []).push(resource);
  }
  return out;
}
