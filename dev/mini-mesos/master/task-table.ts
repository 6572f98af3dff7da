/**
 * The master's books of tasks and executors (Mesos's Framework::tasks, Slave::tasks and
 * Slave::executors). A task keeps two states, as in Mesos: `state`, the newest the agent knows,
 * and `statusUpdateState`/`statusUpdateUuid`, those of the update being forwarded (what
 * reconciliation reports, and the uuid whose acknowledgement removes a terminal task).
 * Resources of a terminal task stop counting at once; the task itself leaves on that ack.
 */
import { isTerminalTaskState, type ExecutorInfo, type Resource, type TaskInfo, type TaskState } from '../../../shared/mesos/index.js';
import { addResources } from '../resources/resource-math.js';

export interface MasterTask {
  frameworkId: string;
  agentId: string;
  executorId: string;
  info: TaskInfo;
  /** Internal form (see resource-format.ts). */
  resources: Resource[];
  state: TaskState;
  statusUpdateState: TaskState | undefined;
  statusUpdateUuid: string | undefined;
}

export interface MasterExecutor {
  frameworkId: string;
  agentId: string;
  info: ExecutorInfo;
  resources: Resource[];
}

/** Tasks the master forgot, newest last (Mesos's completed_tasks, bounded the same way). */
export interface CompletedTask {
  frameworkId: string;
  agentId: string;
  executorId: string;
  taskId: string;
  name: string;
  state: TaskState;
}

const MAX_COMPLETED_TASKS = 1000;

export class TaskTable {
  private readonly tasks = new Map<string, MasterTask>();
  private readonly executors = new Map<string, MasterExecutor>();
  readonly completed: CompletedTask[] = [];

  get(frameworkId: string, taskId: string): MasterTask | undefined {
    return this.tasks.get(key(frameworkId, taskId));
  }

  add(task: MasterTask): void {
    this.tasks.set(key(task.frameworkId, task.info.task_id.value), task);
  }

  /** Forgets a task; `finalState` is what the books of completed tasks say about it. */
  remove(task: MasterTask, finalState: TaskState = task.state): void {
    if (!this.tasks.delete(key(task.frameworkId, task.info.task_id.value))) return;
    this.completed.push({
      frameworkId: task.frameworkId,
      agentId: task.agentId,
      executorId: task.executorId,
      taskId: task.info.task_id.value,
      name: task.info.name,
      state: finalState,
    });
    if (this.completed.length > MAX_COMPLETED_TASKS) this.completed.shift();
  }

  all(): MasterTask[] {
    return [...this.tasks.values()];
  }

  ofFramework(frameworkId: string): MasterTask[] {
    return this.all().filter((task) => task.frameworkId === frameworkId);
  }

  onAgent(agentId: string): MasterTask[] {
    return this.all().filter((task) => task.agentId === agentId);
  }

  getExecutor(frameworkId: string, agentId: string, executorId: string): MasterExecutor | undefined {
    return this.executors.get(key(frameworkId, agentId, executorId));
  }

  addExecutor(executor: MasterExecutor): void {
    this.executors.set(key(executor.frameworkId, executor.agentId, executor.info.executor_id.value), executor);
  }

  removeExecutor(frameworkId: string, agentId: string, executorId: string): void {
    this.executors.delete(key(frameworkId, agentId, executorId));
  }

  allExecutors(): MasterExecutor[] {
    return [...this.executors.values()];
  }

  /** Executors of a framework on an agent (an offer's `executor_ids`). */
  executorIds(frameworkId: string, agentId: string): string[] {
    return this.allExecutors()
      .filter((executor) => executor.frameworkId === frameworkId && executor.agentId === agentId)
      .map((executor) => executor.info.executor_id.value);
  }

  /** What tasks and executors on an agent hold: live tasks plus their executors. */
  usedOn(agentId: string): Resource[] {
    const taskResources = this.onAgent(agentId)
      .filter((task) => !isTerminalTaskState(task.state))
      .flatMap((task) => task.resources);
    const executorResources = this.allExecutors()
      .filter((executor) => executor.agentId === agentId)
      .flatMap((executor) => executor.resources);
    return addResources(taskResources, executorResources);
  }

  /** Removes every record of an agent (it became unreachable, its tasks already transitioned). */
  dropAgent(agentId: string): void {
    for (const [k, executor] of this.executors) if (executor.agentId === agentId) this.executors.delete(k);
  }
}

function key(...parts: string[]): string {
  return parts.join('\u0000');
}
