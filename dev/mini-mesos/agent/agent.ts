/**
 * One Mesos agent: an HTTP server on its own loopback address for the v1 executor API, the
 * executors it runs, its launched tasks, its status update manager and its checkpointed
 * resources. The master drives it through the methods below (Mesos's RunTaskMessage,
 * KillTaskMessage, ShutdownExecutorMessage, …, here in-process calls); what it tells the master
 * goes through a MasterPort that is absent while the agent is partitioned or the master is down.
 */
import type http from 'node:http';
import path from 'node:path';
import { createLogger, type Logger } from '../../../shared/log.js';
import {
  isTerminalTaskState,
  type AgentInfo,
  type ExecutorInfo,
  type FrameworkInfo,
  type KillPolicy,
  type Resource,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
} from '../../../shared/mesos/index.js';
import { closeServer, createServer, listen } from '../http/http-util.js';
import { newUuid } from '../ids.js';
import type { CompiledOptions } from '../options.js';
import { toInternalList } from '../resources/resource-format.js';
import { isPersistentVolume, resourceKey } from '../resources/resource-math.js';
import { AgentResources, initialResources, type VolumeInfo } from './agent-resources.js';
import { agentStatus, droppedState, type AgentFramework } from './agent-status.js';
import { handleExecutorRequest } from './executor-api.js';
import { ExecutorRunner } from './executor-runner.js';
import { ExecutorTokens } from './executor-tokens.js';
import type { QueuedLaunch } from './launch-queue.js';
import type { MasterPort } from './master-port.js';
import { StatusUpdateManager } from './status-update-manager.js';

/** A task the executor has been given (or that ended there), until its updates are all acknowledged. */
export interface AgentTask {
  frameworkId: string;
  executorId: string;
  info: TaskInfo;
  state: TaskState;
}

const STOP_WAIT_MS = 5000;

export class Agent {
  readonly workDir: string;
  readonly frameworks = new Map<string, AgentFramework>();
  readonly tasks = new Map<string, AgentTask>();
  readonly resources: AgentResources;
  readonly statusUpdates: StatusUpdateManager;
  port = 0;
  readonly log: Logger;
  /** Issues and checks executor tokens when the agent has an executor secret key. */
  readonly tokens: ExecutorTokens | undefined;
  private master: MasterPort | undefined;
  private readonly server: http.Server;

  constructor(
    readonly id: string,
    readonly hostname: string,
    readonly options: CompiledOptions,
  ) {
    this.workDir = path.join(options.workDir, 'agents', hostname);
    this.log = createLogger({ component: 'mini-mesos-agent', agent: id });
    this.resources = new AgentResources(this.workDir, initialResources(options.resources));
    this.statusUpdates = new StatusUpdateManager({
      initialIntervalMs: options.statusUpdateRetryMs,
      maxIntervalMs: options.statusUpdateRetryMaxMs,
      forward: (frameworkId, status) => {
        const latest = this.tasks.get(taskKey(frameworkId, status.task_id.value))?.state ?? status.state;
        this.master?.statusUpdate(this.id, frameworkId, status, latest);
      },
      finished: (frameworkId, taskId) => this.taskFinished(frameworkId, taskId),
    });
    const key = options.auth.executorSecretKey;
    this.tokens = key === undefined ? undefined : new ExecutorTokens(key);
    this.server = createServer((req, res) => handleExecutorRequest(this, req, res));
  }

  async start(): Promise<void> {
    this.port = await listen(this.server, this.hostname, 0);
  }

  get info(): AgentInfo {
    return { hostname: this.hostname, port: this.port, resources: [...this.resources.total], id: { value: this.id } };
  }

  get connected(): boolean {
    return this.master !== undefined;
  }

  /** (Re-)registered with a master: pending status updates go out again at once. */
  connect(master: MasterPort): void {
    this.master = master;
    this.statusUpdates.resume();
  }

  disconnect(): void {
    this.master = undefined;
    this.statusUpdates.pause();
  }

  /** RunTaskMessage (one task, `group` false) or RunTaskGroupMessage (`group` true). */
  runTasks(framework: FrameworkInfo, executorInfo: ExecutorInfo, tasks: TaskInfo[], group: boolean): void {
    const record = this.framework(framework);
    const executorId = executorInfo.executor_id.value;
    let runner = record.executors.get(executorId);
    if (runner?.state === 'TERMINATING' || runner?.state === 'TERMINATED') {
      for (const task of tasks) {
        this.recordUpdate(
          record.id,
          agentStatus(
            this,
            task.task_id.value,
            droppedState(record.info),
            'REASON_EXECUTOR_TERMINATED',
            'Executor terminating',
            executorId,
          ),
        );
      }
      return;
    }
    const volumes = this.volumesOf(tasks.flatMap((task) => task.resources ?? []));
    if (runner === undefined) {
      runner = this.startExecutor(record, executorInfo, [...volumes, ...this.volumesOf(executorInfo.resources)]);
    } else {
      runner.useVolumes(volumes);
    }
    if (runner.state === 'RUNNING') this.deliver(runner, { tasks, group });
    else runner.queue.add(tasks, group);
  }

  /** slave.cpp `killTask`: unknown → LOST/DROPPED, queued → KILLED at once, launched → KILL event. */
  killTask(frameworkId: string, taskId: string, killPolicy: KillPolicy | undefined): void {
    const record = this.frameworks.get(frameworkId);
    if (record === undefined) return;
    const runner = [...record.executors.values()].find(
      (r) => r.queue.has(taskId) || this.tasks.get(taskKey(frameworkId, taskId))?.executorId === r.executorId,
    );
    if (runner === undefined) {
      this.recordUpdate(
        frameworkId,
        agentStatus(this, taskId, droppedState(record.info), 'REASON_EXECUTOR_TERMINATED', 'Cannot find executor'),
      );
      return;
    }
    if (runner.state === 'TERMINATING' || runner.state === 'TERMINATED') return;
    const queued = runner.queue.entryOf(taskId);
    if (queued !== undefined) {
      // A queued task group dies whole.
      for (const task of queued.tasks) {
        const status = agentStatus(
          this,
          task.task_id.value,
          'TASK_KILLED',
          'REASON_TASK_KILLED_DURING_LAUNCH',
          'Killed before delivery to the executor',
          runner.executorId,
        );
        this.recordUpdate(frameworkId, status);
      }
      // MESOS-8411: an executor whose every initial task was killed before delivery is shut down.
      if (!runner.everSentTask && runner.queue.size === 0) runner.shutdown('never sent a task, and all of its queued tasks were killed');
      return;
    }
    runner.send({ type: 'KILL', kill: { task_id: { value: taskId }, kill_policy: killPolicy } });
  }

  shutdownExecutor(frameworkId: string, executorId: string): void {
    this.frameworks.get(frameworkId)?.executors.get(executorId)?.shutdown('asked by the master');
  }

  /** The framework was removed: every executor gets SHUTDOWN, pending updates are dropped. */
  shutdownFramework(frameworkId: string): void {
    const record = this.frameworks.get(frameworkId);
    if (record === undefined) return;
    record.terminating = true;
    this.statusUpdates.cleanup(frameworkId);
    for (const runner of record.executors.values()) runner.shutdown('framework removed');
    this.removeFrameworkIfDone(record);
  }

  acknowledge(frameworkId: string, taskId: string, uuid: Uint8Array): void {
    this.statusUpdates.acknowledge(frameworkId, taskId, uuid);
  }

  frameworkMessage(frameworkId: string, executorId: string, data: Uint8Array): void {
    this.frameworks.get(frameworkId)?.executors.get(executorId)?.send({ type: 'MESSAGE', message: { data } });
  }

  executorMessage(frameworkId: string, executorId: string, data: Uint8Array): void {
    this.master?.executorMessage(this.id, frameworkId, executorId, data);
  }

  /**
   * Records a status update from the executor or the agent itself: the task's latest state
   * changes at once, a queued task that ends leaves the queue, and the update joins its
   * stream. False for a duplicate.
   */
  recordUpdate(frameworkId: string, status: TaskStatus): boolean {
    const taskId = status.task_id.value;
    const task = this.tasks.get(taskKey(frameworkId, taskId));
    if (task !== undefined) task.state = status.state;
    if (isTerminalTaskState(status.state)) {
      for (const runner of this.frameworks.get(frameworkId)?.executors.values() ?? []) runner.queue.remove(taskId);
    }
    return this.statusUpdates.update(frameworkId, status);
  }

  /** Hands tasks to a subscribed executor: one LAUNCH per task, or one LAUNCH_GROUP. */
  deliver(runner: ExecutorRunner, launch: QueuedLaunch): void {
    for (const task of launch.tasks) {
      const info = { frameworkId: runner.frameworkId, executorId: runner.executorId, info: task, state: 'TASK_STAGING' as const };
      this.tasks.set(taskKey(runner.frameworkId, task.task_id.value), info);
    }
    runner.everSentTask = true;
    if (launch.group) runner.send({ type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: launch.tasks } } });
    else for (const task of launch.tasks) runner.send({ type: 'LAUNCH', launch: { task } });
  }

  checkpointResources(total: Resource[]): void {
    this.resources.checkpoint(total);
  }

  /** An executor by id or by the id of one of its tasks (for the fault API). */
  findExecutor(id: string): ExecutorRunner | undefined {
    for (const record of this.frameworks.values()) {
      for (const runner of record.executors.values()) {
        if (runner.executorId === id || runner.queue.has(id)) return runner;
        if (this.tasks.get(taskKey(record.id, id))?.executorId === runner.executorId) return runner;
      }
    }
    return undefined;
  }

  /** Kills every executor now and waits (bounded) for them to exit, then closes the server. */
  async stop(): Promise<void> {
    this.disconnect();
    this.statusUpdates.stop();
    const runners = [...this.frameworks.values()].flatMap((record) => [...record.executors.values()]);
    for (const runner of runners) runner.destroy();
    const exited = Promise.all(runners.map((runner) => runner.exited()));
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    await closeServer(this.server);
  }

  private framework(info: FrameworkInfo): AgentFramework {
    const id = info.id?.value ?? '';
    let record = this.frameworks.get(id);
    if (record === undefined) {
      record = { id, info, executors: new Map(), terminating: false };
      this.frameworks.set(id, record);
    }
    record.info = info;
    return record;
  }

  private startExecutor(record: AgentFramework, info: ExecutorInfo, volumes: VolumeInfo[]): ExecutorRunner {
    const containerId = newUuid();
    const executorId = info.executor_id.value;
    const runner = new ExecutorRunner(info, record.id, containerId, {
      workDir: this.workDir,
      agentId: this.id,
      agentHost: this.hostname,
      agentPort: this.port,
      framework: record.info,
      volumes,
      registrationTimeoutMs: this.options.executorRegistrationTimeoutMs,
      heartbeatIntervalMs: this.options.executorHeartbeatIntervalMs,
      gracePeriodMs:
        info.shutdown_grace_period === undefined
          ? this.options.executorShutdownGracePeriodMs
          : info.shutdown_grace_period.nanoseconds / 1e6,
      killEscalationMs: this.options.killEscalationMs,
      authenticationToken: this.tokens?.issue({ fid: record.id, eid: executorId, cid: containerId }),
      log: this.log.child({ framework: record.id, executor: executorId, container: containerId }),
    });
    record.executors.set(runner.executorId, runner);
    runner.onTerminated((waitStatus) => this.executorTerminated(record, runner, waitStatus));
    void runner.start();
    return runner;
  }

  /** slave.cpp `executorTerminated`: live tasks fail (or per pendingTermination), the master hears of it. */
  private executorTerminated(record: AgentFramework, runner: ExecutorRunner, waitStatus: number): void {
    const ending = runner.pendingTermination ?? {
      state: 'TASK_FAILED',
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: 'Executor terminated',
    };
    const live = [...this.tasks.values()]
      .filter((t) => t.frameworkId === record.id && t.executorId === runner.executorId && !isTerminalTaskState(t.state))
      .map((t) => t.info.task_id.value);
    if (!record.terminating) {
      for (const taskId of [...live, ...runner.queue.tasks().map((task) => task.task_id.value)]) {
        this.recordUpdate(record.id, agentStatus(this, taskId, ending.state, ending.reason, ending.message, runner.executorId));
      }
    }
    if (record.executors.get(runner.executorId) === runner) record.executors.delete(runner.executorId);
    this.master?.executorExited(this.id, record.id, runner.executorId, waitStatus);
    this.removeFrameworkIfDone(record);
  }

  private taskFinished(frameworkId: string, taskId: string): void {
    this.tasks.delete(taskKey(frameworkId, taskId));
  }

  private removeFrameworkIfDone(record: AgentFramework): void {
    if (!record.terminating || record.executors.size > 0) return;
    this.frameworks.delete(record.id);
    for (const [key, task] of this.tasks) if (task.frameworkId === record.id) this.tasks.delete(key);
  }

  private volumesOf(resources: readonly Resource[] | undefined): VolumeInfo[] {
    const wanted = toInternalList(resources).filter(isPersistentVolume);
    const known = new Map(this.resources.volumes().map((volume) => [resourceKey(volume.resource), volume]));
    return wanted.flatMap((resource) => known.get(resourceKey(resource)) ?? []);
  }
}

export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}
