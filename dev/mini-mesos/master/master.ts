/**
 * The mini Mesos master: an HTTP server on 127.0.0.1 with the v1 Scheduler API and a /state
 * page, the frameworks, the task books, the allocator, and the agents it has registered. It keeps
 * nothing an agent does not also know (tasks, executors, reservations, volumes live on agents),
 * so a "restarted" master is a fresh Master that re-registers the same agents, as a real one
 * learns the cluster again from agents re-registering after a failover.
 */
import type http from 'node:http';
import { isTerminalTaskState, type MasterInfo, type TaskInfo, type TaskState, type TaskStatus } from '../../../shared/mesos/index.js';
import { createLogger, type Logger } from '../../../shared/log.js';
import type { Agent } from '../agent/agent.js';
import type { MasterPort } from '../agent/master-port.js';
import { answer, answerJson, closeServer, createServer, listen } from '../http/http-util.js';
import { IdSequence, newUuid, uuidKey } from '../ids.js';
import type { CompiledOptions } from '../options.js';
import { toInternalList } from '../resources/resource-format.js';
import { Allocator } from './allocator.js';
import { FrameworkRegistry, type Framework } from './framework-registry.js';
import { masterStatus, partitionState } from './master-status.js';
import { handleSchedulerRequest } from './scheduler-http.js';
import { stateJson } from './state-json.js';
import { TaskTable } from './task-table.js';

export const MASTER_HOST = '127.0.0.1';
/** 127.0.0.1 as MasterInfo.ip: the in_addr's network-order bytes read as a little-endian uint32. */
const LOOPBACK_PACKED = 0x0100007f;

interface AgentRecord {
  agent: Agent;
  /** Set while the agent is unreachable (ms since the epoch). */
  unreachableSince: number | undefined;
}

export class Master implements MasterPort {
  readonly id = newUuid();
  readonly ids = new IdSequence(this.id);
  readonly frameworks = new FrameworkRegistry();
  readonly tasks = new TaskTable();
  readonly allocator: Allocator;
  readonly log: Logger = createLogger({ component: 'mini-mesos-master' });
  port = 0;
  stopped = false;
  private readonly agents = new Map<string, AgentRecord>();
  private readonly server: http.Server;

  constructor(readonly options: CompiledOptions) {
    this.allocator = new Allocator(this, options.allocationIntervalMs);
    this.server = createServer(async (req, res) => {
      const pathname = new URL(req.url ?? '/', 'http://master').pathname;
      if (pathname === '/api/v1/scheduler') await handleSchedulerRequest(this, req, res);
      else if (pathname === '/state' || pathname === '/master/state') answerJson(res, stateJson(this));
      else answer(res, 404);
    });
  }

  async start(port: number): Promise<void> {
    this.port = await listen(this.server, MASTER_HOST, port);
    this.allocator.start();
  }

  /** Like a master process dying: streams break, timers stop, agents lose their master. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.allocator.stop();
    for (const record of this.agents.values()) if (record.agent.connected) record.agent.disconnect();
    this.frameworks.closeAll();
    await closeServer(this.server);
  }

  get url(): string {
    return `http://${MASTER_HOST}:${this.port}`;
  }

  get info(): MasterInfo {
    const address = { hostname: MASTER_HOST, ip: MASTER_HOST, port: this.port };
    return {
      id: this.id,
      ip: LOOPBACK_PACKED,
      port: this.port,
      pid: `master@${MASTER_HOST}:${this.port}`,
      hostname: MASTER_HOST,
      version: '1.11.0',
      address,
    };
  }

  registeredAgents(): Agent[] {
    return [...this.agents.values()].filter((record) => record.unreachableSince === undefined).map((record) => record.agent);
  }

  registeredAgent(agentId: string): Agent | undefined {
    const record = this.agents.get(agentId);
    return record?.unreachableSince === undefined ? record?.agent : undefined;
  }

  unreachableSince(agentId: string): number | undefined {
    return this.agents.get(agentId)?.unreachableSince;
  }

  allAgents(): Array<{ agent: Agent; unreachableSince: number | undefined }> {
    return [...this.agents.values()];
  }

  /**
   * An agent (re-)registers and reports its frameworks, executors and tasks (master.cpp
   * `__reregisterSlave`). Tasks of removed frameworks are not taken back; those frameworks are
   * shut down on the agent. With `announce` (an unreachable agent coming back) every task's state
   * goes to its framework with REASON_AGENT_REREGISTERED.
   */
  registerAgent(agent: Agent, options: { unreachableSince?: number; announce?: boolean } = {}): void {
    this.agents.set(agent.id, { agent, unreachableSince: options.unreachableSince });
    if (options.unreachableSince !== undefined) return;
    for (const record of agent.frameworks.values()) {
      if (this.frameworks.removed.has(record.id)) agent.shutdownFramework(record.id);
      else this.frameworks.ensure(record.id, record.info);
    }
    for (const record of agent.frameworks.values()) {
      for (const runner of record.executors.values()) {
        this.tasks.addExecutor({
          frameworkId: record.id,
          agentId: agent.id,
          info: runner.info,
          resources: toInternalList(runner.info.resources),
        });
        for (const info of runner.queue.tasks())
          this.learnTask(agent, record.id, runner.executorId, info, 'TASK_STAGING', options.announce);
      }
    }
    for (const task of agent.tasks.values()) {
      if (this.frameworks.removed.has(task.frameworkId)) continue;
      this.learnTask(agent, task.frameworkId, task.executorId, task.info, task.state, options.announce);
    }
    agent.connect(this);
    this.allocator.allocateSoon();
  }

  /** The agent stopped answering (master.cpp `markUnreachable` → `__removeSlave`). */
  markUnreachable(agentId: string): void {
    const record = this.agents.get(agentId);
    if (record === undefined || record.unreachableSince !== undefined) return;
    record.agent.disconnect();
    record.unreachableSince = Date.now();
    const unreachableTime = { nanoseconds: record.unreachableSince * 1e6 };
    for (const task of this.tasks.onAgent(agentId)) {
      const framework = this.frameworks.get(task.frameworkId);
      const state = framework === undefined ? 'TASK_LOST' : partitionState(framework.info, 'TASK_UNREACHABLE');
      const taskId = task.info.task_id.value;
      this.tasks.remove(task, state);
      const message = 'health check timed out';
      this.sendUpdate(
        task.frameworkId,
        masterStatus({ taskId, state, reason: 'REASON_AGENT_REMOVED', message, agentId, executorId: task.executorId, unreachableTime }),
      );
    }
    this.tasks.dropAgent(agentId);
    this.allocator.rescindAgent(agentId);
    for (const framework of this.frameworks.connected()) {
      this.frameworks.send(framework.id, { type: 'FAILURE', failure: { agent_id: { value: agentId } } });
    }
  }

  statusUpdate(agentId: string, frameworkId: string, status: TaskStatus, latestState: TaskState): void {
    const task = this.tasks.get(frameworkId, status.task_id.value);
    if (task !== undefined) {
      task.state = latestState;
      task.statusUpdateState = status.state;
      task.statusUpdateUuid = status.uuid === undefined ? undefined : uuidKey(status.uuid);
    }
    this.sendUpdate(frameworkId, status);
  }

  executorExited(agentId: string, frameworkId: string, executorId: string, status: number): void {
    this.tasks.removeExecutor(frameworkId, agentId, executorId);
    const failure = { agent_id: { value: agentId }, executor_id: { value: executorId }, status };
    this.frameworks.send(frameworkId, { type: 'FAILURE', failure });
  }

  executorMessage(agentId: string, frameworkId: string, executorId: string, data: Uint8Array): void {
    const message = { agent_id: { value: agentId }, executor_id: { value: executorId }, data };
    this.frameworks.send(frameworkId, { type: 'MESSAGE', message });
  }

  sendUpdate(frameworkId: string, status: TaskStatus): void {
    this.frameworks.send(frameworkId, { type: 'UPDATE', update: { status } });
  }

  /**
   * TEARDOWN or an expired failover timeout (master.cpp `removeFramework`): the stream closes,
   * agents shut the framework down, its live tasks are booked as TASK_KILLED, its id is retired.
   */
  removeFramework(framework: Framework): void {
    this.frameworks.delete(framework.id);
    this.allocator.discardFramework(framework.id);
    framework.stream?.close();
    for (const agent of this.registeredAgents()) agent.shutdownFramework(framework.id);
    for (const task of this.tasks.ofFramework(framework.id)) {
      this.tasks.remove(task, isTerminalTaskState(task.state) ? task.state : 'TASK_KILLED');
    }
    for (const executor of this.tasks.allExecutors()) {
      if (executor.frameworkId === framework.id) this.tasks.removeExecutor(framework.id, executor.agentId, executor.info.executor_id.value);
    }
  }

  private learnTask(agent: Agent, frameworkId: string, executorId: string, info: TaskInfo, state: TaskState, announce = false): void {
    const head = agent.statusUpdates.pending(frameworkId, info.task_id.value)[0];
    this.tasks.add({
      frameworkId,
      agentId: agent.id,
      executorId,
      info,
      resources: toInternalList(info.resources),
      state,
      statusUpdateState: head?.state,
      statusUpdateUuid: head?.uuid === undefined ? undefined : uuidKey(head.uuid),
    });
    if (!announce) return;
    const message = 'Unreachable agent re-reregistered';
    this.sendUpdate(
      frameworkId,
      masterStatus({ taskId: info.task_id.value, state, reason: 'REASON_AGENT_REREGISTERED', message, agentId: agent.id, executorId }),
    );
  }
}
