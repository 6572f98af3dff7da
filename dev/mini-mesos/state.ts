/**
 * A typed snapshot of the whole mini cluster for tests: what the master knows (frameworks,
 * tasks, offers) and what the agents hold (executors with their pids and sandboxes,
 * reservations, persistent volumes). Plain data, taken at one moment.
 */
import type { Label, Resource, TaskState } from '../../shared/mesos/index.js';
import type { ExecutorRunState } from './agent/executor-runner.js';
import type { Master } from './master/master.js';
import type { CompletedTask } from './master/task-table.js';
import { frameworkRoles } from './resources/resource-format.js';
import { isPersistentVolume, isReserved, reservedRole, subtractResources } from './resources/resource-math.js';

export interface MiniMesosState {
  master: { id: string; url: string };
  frameworks: Array<{
    id: string;
    name: string;
    roles: string[];
    connected: boolean;
    failoverTimeoutSeconds: number;
    suppressedRoles: string[];
  }>;
  removedFrameworks: string[];
  tasks: Array<{ taskId: string; name: string; frameworkId: string; agentId: string; executorId: string; state: TaskState }>;
  completedTasks: CompletedTask[];
  executors: Array<{
    frameworkId: string;
    agentId: string;
    executorId: string;
    containerId: string;
    state: ExecutorRunState;
    pid: number | undefined;
    directory: string;
  }>;
  agents: Array<{
    id: string;
    hostname: string;
    port: number;
    reachable: boolean;
    workDir: string;
    resources: Resource[];
    available: Resource[];
  }>;
  offers: Array<{ id: string; frameworkId: string; agentId: string; role: string; resources: Resource[] }>;
  reservations: Array<{ agentId: string; role: string; principal: string | undefined; labels: Label[]; resource: Resource }>;
  volumes: Array<{ agentId: string; role: string; persistenceId: string; containerPath: string; path: string }>;
}

export function snapshotState(master: Master): MiniMesosState {
  const agents = master.allAgents();
  return {
    master: { id: master.id, url: master.url },
    frameworks: master.frameworks.all().map((framework) => ({
      id: framework.id,
      name: framework.info.name,
      roles: frameworkRoles(framework.info),
      connected: framework.stream !== undefined,
      failoverTimeoutSeconds: framework.info.failover_timeout ?? 0,
      suppressedRoles: [...framework.suppressedRoles],
    })),
    removedFrameworks: [...master.frameworks.removed],
    tasks: master.tasks.all().map((task) => ({
      taskId: task.info.task_id.value,
      name: task.info.name,
      frameworkId: task.frameworkId,
      agentId: task.agentId,
      executorId: task.executorId,
      state: task.state,
    })),
    completedTasks: [...master.tasks.completed],
    executors: agents.flatMap(({ agent }) =>
      [...agent.frameworks.values()].flatMap((record) =>
        [...record.executors.values()].map((runner) => ({
          frameworkId: record.id,
          agentId: agent.id,
          executorId: runner.executorId,
          containerId: runner.containerId,
          state: runner.state,
          pid: runner.pid,
          directory: runner.directory,
        })),
      ),
    ),
    agents: agents.map(({ agent, unreachableSince }) => ({
      id: agent.id,
      hostname: agent.hostname,
      port: agent.port,
      reachable: unreachableSince === undefined,
      workDir: agent.workDir,
      resources: [...agent.resources.total],
      available: subtractResources(
        subtractResources(agent.resources.total, master.tasks.usedOn(agent.id)),
        master.allocator.offeredOn(agent.id),
      ),
    })),
    offers: [...master.allocator.offers.values()].map((offer) => ({ ...offer })),
    reservations: agents.flatMap(({ agent }) =>
      agent.resources.total
        .filter((resource) => isReserved(resource) && !isPersistentVolume(resource))
        .map((resource) => ({
          agentId: agent.id,
          role: reservedRole(resource),
          principal: resource.reservations?.at(-1)?.principal,
          labels: resource.reservations?.at(-1)?.labels?.labels ?? [],
          resource,
        })),
    ),
    volumes: agents.flatMap(({ agent }) =>
      agent.resources
        .volumes()
        .map(({ role, persistenceId, containerPath, path }) => ({ agentId: agent.id, role, persistenceId, containerPath, path })),
    ),
  };
}
