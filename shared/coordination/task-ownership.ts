import { SluiceError } from '../errors.js';

/**
 * Whether this container may still write for a task, and the epoch its writes carry. A coordinated
 * container answers from its ZooKeeper task claims (hand-over-barrier.ts): the epoch is the claim's,
 * so every later owner of a task has a higher one. A container that runs alone owns its tasks.
 */
export interface TaskOwnership {
  /** True while the task's claim is held under a live lease. Cheap: asked before every batch and commit. */
  holds(task: string): boolean;
  /** The epoch of this owner of the task (0 for an owner without claims). */
  epoch(task: string): bigint;
}

/** Ownership of a container that runs without ZooKeeper (embedded, or a fixed job model): every task is its own, epoch 0. */
export const SOLE_OWNERSHIP: TaskOwnership = { holds: () => true, epoch: () => 0n };

/**
 * The task belongs to another container now (its claim lapsed, or a newer owner's records or
 * checkpoint were seen): stop it at once, without committing, and never retry.
 */
export class TaskLostError extends SluiceError {
  constructor(task: string, why: string) {
    super(
      'TASK_LOST',
      `task '${task}' is no longer ours: ${why}; it stops without committing, and its new owner goes on from the last checkpoint`,
      {
        context: { task },
      },
    );
  }
}

export function isTaskLost(error: unknown): error is TaskLostError {
  return error instanceof TaskLostError;
}
