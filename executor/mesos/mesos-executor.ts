import { randomUUID } from 'node:crypto';
import { decodeTaskData, type TaskData } from '../../shared/config/executor-contract.js';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { ExecutorEvent, TaskInfo, TaskState, TaskStatus } from '../../shared/mesos/index.js';
import type { ContainerHandle } from '../container/container.js';
import type { AgentClient } from './agent-client.js';

/** How long the executor waits for the acknowledgements of its last tasks' terminal updates before it ends. */
const TERMINAL_ACK_WAIT_MS = 30_000;

/** Starts the container a task names in its data (restores its stores first). */
export type ContainerLauncher = (assignment: TaskData) => Promise<ContainerHandle>;

interface ExecutorTask {
  readonly info: TaskInfo;
  container?: ContainerHandle;
  /** A KILL is stopping it: its end is TASK_KILLED, not TASK_FINISHED. */
  killing: boolean;
  terminal: boolean;
}

/**
 * The Sluice executor on a Mesos agent: one Mesos task per container. LAUNCH → TASK_STARTING,
 * then TASK_RUNNING once the container's stores are restored and its tasks run; KILL → a clean
 * stop (commit, close stores) → TASK_KILLED; a container failure → TASK_FAILED with the error.
 * Every update carries a fresh uuid and is kept until the agent ACKNOWLEDGEs it, so updates sent
 * while the agent was away go again with the next SUBSCRIBE.
 */
export class MesosExecutor {
  private readonly tasks = new Map<string, ExecutorTask>();
  private readonly unacknowledged = new Map<string, TaskStatus>();
  private shuttingDown: Promise<void> | undefined;
  private finished: () => void = () => undefined;
  private ackDeadline: NodeJS.Timeout | undefined;
  private readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(
    private readonly client: AgentClient,
    private readonly launch: ContainerLauncher,
    private readonly logger: Logger,
    private readonly executorId: string,
  ) {}

  /** Runs until every task ended and the agent acknowledged their last updates, or SHUTDOWN. */
  async run(): Promise<void> {
    const stream = this.client.run(
      () => ({
        unacknowledged_tasks: [...this.tasks.values()].filter((task) => !task.terminal).map((task) => task.info),
        unacknowledged_updates: [...this.unacknowledged.values()].map((status) => ({ status })),
      }),
      (event) => this.onEvent(event),
    );
    await Promise.race([stream, this.done]);
    clearTimeout(this.ackDeadline);
    this.client.close();
    await stream.catch((error: unknown) => {
      if (!this.shuttingDown) throw error;
    });
  }

  /** SIGTERM from the agent (after SHUTDOWN's grace period) or the operator: stop cleanly. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      await Promise.all([...this.tasks.keys()].map((taskId) => this.kill(taskId)));
      this.finishIfDone();
    })();
    return this.shuttingDown;
  }

  private async onEvent(event: ExecutorEvent): Promise<void> {
    switch (event.type) {
      case 'SUBSCRIBED':
        this.logger.info('subscribed to the agent', { agent: event.subscribed?.agent_info.id?.value });
        return;
      case 'LAUNCH':
        if (event.launch) void this.start(event.launch.task);
        return;
      case 'KILL':
        if (event.kill) void this.kill(event.kill.task_id.value);
        return;
      case 'ACKNOWLEDGED':
        if (event.acknowledged) this.unacknowledged.delete(Buffer.from(event.acknowledged.uuid).toString('hex'));
        this.finishIfDone();
        return;
      case 'SHUTDOWN':
        void this.shutdown();
        return;
      case 'ERROR':
        this.logger.error('the agent reported an error', { error: event.error?.message });
        return;
      default:
        return;
    }
  }

  private async start(info: TaskInfo): Promise<void> {
    const task: ExecutorTask = { info, killing: false, terminal: false };
    this.tasks.set(info.task_id.value, task);
    await this.update(task, 'TASK_STARTING');
    try {
      task.container = await this.launch(decodeTaskData(info.data, info.task_id.value));
    } catch (error) {
      await this.update(task, 'TASK_FAILED', `the container did not start: ${describeError(error)}`);
      return;
    }
    await this.update(task, 'TASK_RUNNING');
    task.container.done.then(
      () => (task.killing ? undefined : this.update(task, 'TASK_FINISHED')),
      (error: unknown) => this.update(task, 'TASK_FAILED', describeError(error)),
    );
  }

  private async kill(taskId: string): Promise<void> {
    const task = this.tasks.get(taskId);
    if (!task || task.terminal || task.killing) return;
    task.killing = true;
    try {
      await task.container?.stop();
      await this.update(task, 'TASK_KILLED');
    } catch (error) {
      await this.update(task, 'TASK_FAILED', `the container failed while stopping: ${describeError(error)}`);
    }
  }

  private async update(task: ExecutorTask, state: TaskState, message?: string): Promise<void> {
    if (task.terminal) return;
    task.terminal = state === 'TASK_FINISHED' || state === 'TASK_FAILED' || state === 'TASK_KILLED';
    const uuid = Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
    const status: TaskStatus = {
      task_id: task.info.task_id,
      state,
      source: 'SOURCE_EXECUTOR',
      executor_id: { value: this.executorId },
      uuid,
      timestamp: Date.now() / 1000,
      ...(message ? { message } : {}),
    };
    this.unacknowledged.set(uuid.toString('hex'), status);
    this.logger.info('task state', { task: task.info.task_id.value, state, ...(message ? { message } : {}) });
    // A failed send stays unacknowledged and goes again with the next SUBSCRIBE.
    await this.client.call({ type: 'UPDATE', update: { status } }).catch((error: unknown) => {
      this.logger.warn('could not send a status update; it is kept for the next subscription', { error: describeError(error) });
    });
    if (task.terminal) this.finishIfDone();
  }

  private finishIfDone(): void {
    const allEnded = [...this.tasks.values()].every((task) => task.terminal);
    if (this.tasks.size === 0 || !allEnded) return;
    if (this.unacknowledged.size === 0) {
      this.finished();
      return;
    }
    // The agent has the terminal updates and delivers them without us; waiting for their
    // acknowledgements (which need the scheduler) is a courtesy, bounded so the process never lingers.
    this.ackDeadline ??= setTimeout(() => {
      this.logger.warn('terminal updates still unacknowledged; ending anyway (the agent delivers them)', {
        unacknowledged: this.unacknowledged.size,
        seconds: TERMINAL_ACK_WAIT_MS / 1000,
      });
      this.finished();
    }, TERMINAL_ACK_WAIT_MS);
  }
}
