/**
 * One run of one executor on an agent: the agent's `Executor` struct plus the containerizer's
 * part of it. It creates the sandbox, links persistent volumes, runs the fetcher, starts the
 * process, and holds the executor's tasks: queued until the executor subscribes (then delivered
 * as LAUNCH, as slave.cpp `subscribe` does), launched afterwards. Lifecycle, as in Mesos:
 * REGISTERING → RUNNING (subscribed) → TERMINATING (shutdown or kill requested) → TERMINATED.
 * An executor that has not subscribed within the registration timeout is destroyed.
 */
import type { Logger } from '../../../shared/log.js';
import type { ExecutorEvent, ExecutorInfo, FrameworkInfo, TaskState, TaskStatusReason } from '../../../shared/mesos/index.js';
import type { EventStream } from '../http/event-stream.js';
import { fetchUris } from '../sandbox/fetcher.js';
import { createSandbox, linkVolume } from '../sandbox/sandbox.js';
import type { VolumeInfo } from './agent-resources.js';
import { executorEnvironment, formatDuration } from './executor-env.js';
import { ExecutorProcess } from './executor-process.js';
import { LaunchQueue } from './launch-queue.js';

export type ExecutorRunState = 'REGISTERING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';

/** What live tasks become when the executor ends (slave.cpp `pendingTermination`). */
export interface PendingTermination {
  state: TaskState;
  reason: TaskStatusReason;
  message: string;
}

export interface ExecutorLaunch {
  workDir: string;
  agentId: string;
  agentHost: string;
  agentPort: number;
  framework: FrameworkInfo;
  volumes: VolumeInfo[];
  registrationTimeoutMs: number;
  heartbeatIntervalMs: number;
  gracePeriodMs: number;
  killEscalationMs: number;
  /** MESOS_EXECUTOR_AUTHENTICATION_TOKEN, when the agent issues tokens; never logged. */
  authenticationToken: string | undefined;
  /** The agent's logger with this run's framework, executor and container ids. */
  log: Logger;
}

export class ExecutorRunner {
  state: ExecutorRunState = 'REGISTERING';
  directory = '';
  /** Tasks waiting for the executor to subscribe; the agent keeps the launched ones. */
  readonly queue = new LaunchQueue();
  everSentTask = false;
  pendingTermination: PendingTermination | undefined;
  private stream: EventStream<ExecutorEvent> | undefined;
  private process: ExecutorProcess | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Destroyed before its process existed (agent stopping while the fetcher ran): never spawn. */
  private destroyed = false;
  private terminatedListener: ((waitStatus: number) => void) | undefined;

  constructor(
    readonly info: ExecutorInfo,
    readonly frameworkId: string,
    readonly containerId: string,
    private readonly launch: ExecutorLaunch,
  ) {}

  get executorId(): string {
    return this.info.executor_id.value;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Called once with the wait status (-1 when no process ever ran) when the run ends. */
  onTerminated(listener: (waitStatus: number) => void): void {
    this.terminatedListener = listener;
  }

  /** Sandbox, volumes, fetcher, process; a failure ends the run with REASON_CONTAINER_LAUNCH_FAILED. */
  async start(): Promise<void> {
    const { launch } = this;
    const ids = { agentId: launch.agentId, frameworkId: this.frameworkId, executorId: this.executorId, containerId: this.containerId };
    try {
      this.directory = await createSandbox(launch.workDir, ids);
      for (const volume of launch.volumes) linkVolume(this.directory, volume.containerPath, volume.path);
      await fetchUris(this.info.command?.uris ?? [], this.directory);
      if (this.state === 'TERMINATING' || this.destroyed)
        throw new Error('the executor was shut down while its container was being prepared');
      const env = executorEnvironment({
        ...ids,
        directory: this.directory,
        agentHost: launch.agentHost,
        agentPort: launch.agentPort,
        checkpoint: launch.framework.checkpoint === true,
        shutdownGracePeriodMs: launch.gracePeriodMs,
        command: this.info.command ?? {},
        authenticationToken: launch.authenticationToken,
      });
      this.process = new ExecutorProcess(this.info.command ?? {}, this.directory, env);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.pendingTermination ??= {
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: `Failed to launch container: ${reason}`,
      };
      this.finish(-1);
      return;
    }
    this.schedule(launch.registrationTimeoutMs, () => {
      if (this.state !== 'REGISTERING') return;
      this.pendingTermination = {
        state: 'TASK_FAILED',
        reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
        message: `Executor did not register within ${formatDuration(launch.registrationTimeoutMs)}`,
      };
      this.state = 'TERMINATING';
      this.destroy();
    });
    void this.process.exited.then((status) => this.finish(status));
  }

  /** Persistent volumes of a task launched later on this executor (Mesos updates the container). */
  useVolumes(volumes: readonly VolumeInfo[]): void {
    if (this.directory === '') this.launch.volumes.push(...volumes);
    else for (const volume of volumes) linkVolume(this.directory, volume.containerPath, volume.path);
  }

  /**
   * The executor subscribed (again): an older connection is closed, and the new one gets
   * heartbeats (Mesos ≥ 1.8 sends them every 30 min, DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL).
   */
  subscribed(stream: EventStream<ExecutorEvent>): void {
    if (this.stream !== stream) this.stream?.close();
    this.stream = stream;
    this.state = 'RUNNING';
    stream.startHeartbeat(this.launch.heartbeatIntervalMs, { type: 'HEARTBEAT' });
  }

  send(event: ExecutorEvent): void {
    this.stream?.send(event);
  }

  /**
   * SHUTDOWN event, then after the grace period SIGTERM and, `killEscalationMs` later, SIGKILL
   * (slave.cpp `_shutdownExecutor`, `shutdownExecutorTimeout`). `reason` is logged.
   */
  shutdown(reason: string): void {
    if (this.state === 'TERMINATING' || this.state === 'TERMINATED') return;
    const { gracePeriodMs, killEscalationMs, log } = this.launch;
    log.info('shutting down executor', { reason, gracePeriodMs });
    this.state = 'TERMINATING';
    this.send({ type: 'SHUTDOWN' });
    this.schedule(gracePeriodMs, () => {
      if (this.process?.alive !== true) return;
      log.warn('executor still running after its shutdown grace period: destroying its container', {
        gracePeriodMs,
        pid: this.pid,
        killEscalationMs,
      });
      this.process?.signal('SIGTERM');
    });
    this.schedule(gracePeriodMs + killEscalationMs, () => this.destroy());
  }

  /** Kills the process group now (the containerizer's `destroy`). */
  destroy(): void {
    this.destroyed = true;
    this.process?.signal('SIGKILL');
  }

  /** Resolves once the process has exited (at once if it never started). */
  async exited(): Promise<void> {
    await this.process?.exited;
  }

  private finish(waitStatus: number): void {
    if (this.state === 'TERMINATED') return;
    this.state = 'TERMINATED';
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
    this.stream?.close();
    this.terminatedListener?.(waitStatus);
  }

  private schedule(ms: number, action: () => void): void {
    const timer = setTimeout(action, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
