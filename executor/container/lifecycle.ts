import { SluiceError } from '../../shared/errors.js';

/**
 * The states of a task (its stores are restored before it is created) and the moves between them, as a table: an illegal move is a bug and
 * throws a coded error instead of leaving the task half in two states.
 */
export type TaskState = 'created' | 'initializing' | 'running' | 'stopping' | 'closed' | 'failed';

const moves: Record<TaskState, readonly TaskState[]> = {
  created: ['initializing', 'failed', 'closed'],
  initializing: ['running', 'failed', 'stopping'],
  running: ['stopping', 'failed'],
  stopping: ['closed', 'failed'],
  closed: [],
  failed: ['closed'],
};

export class Lifecycle {
  private current: TaskState = 'created';

  constructor(private readonly task: string) {}

  get state(): TaskState {
    return this.current;
  }

  moveTo(next: TaskState): void {
    if (!moves[this.current].includes(next)) {
      throw new SluiceError('TASK_ILLEGAL_TRANSITION', `task '${this.task}' cannot go from ${this.current} to ${next}`, {
        context: { task: this.task, from: this.current, to: next },
      });
    }
    this.current = next;
  }
}
