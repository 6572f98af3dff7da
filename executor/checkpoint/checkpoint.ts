import type { Ssp } from '../../shared/api/task.js';

/**
 * Whose changelog records count (a zombie's late records must not): from offset `since` on, only
 * records written in one of `epochs` (see EPOCH_HEADER in executor/store/changelog.ts). Before
 * `since`, every record was read by the restore that set it, and any that did not count was trimmed
 * then, by a record from `since` on. A restore that rebuilds starts a new set at the changelog's end;
 * one that keeps a local DB adds its own epoch to the set.
 */
export interface ChangelogWriters {
  readonly since: number;
  readonly epochs: readonly bigint[];
}

/** No filter: every record counts (checkpoints from before epochs, and stores without a changelog). */
export const EVERY_WRITER: ChangelogWriters = { since: Number.MAX_SAFE_INTEGER, epochs: [] };

/** Where a store's state stands in its changelog partition at a checkpoint. */
export interface ChangelogPosition {
  /** The last changelog offset the store's state includes (-1: none). */
  readonly offset: number;
  readonly writers: ChangelogWriters;
}

/**
 * A task's checkpoint: where each of its input partitions resumes, and the changelog position of
 * each of its stores that matches exactly those input positions. Written only after every output
 * and changelog record of the messages it covers was acknowledged.
 */
export interface Checkpoint {
  /** sspKey → the next offset to process (a decimal string, like Kafka's). */
  readonly inputs: Readonly<Record<string, string>>;
  /** store name → its changelog position. */
  readonly changelogs: Readonly<Record<string, ChangelogPosition>>;
  /** The epoch of the task owner that wrote it (its task claim's; 0 for an owner without claims). */
  readonly epoch: bigint;
  /** When it was written (ms, its writer's clock); absent in format 1. */
  readonly writtenAt?: number | undefined;
}

/**
 * Runs one named step of a task's commit and times it: the task logs each step's duration, and a
 * stop that does not end names the step it waits in.
 */
export type CommitStepTimer = <T>(step: string, work: () => Promise<T>) => Promise<T>;

/** A timer that only runs the step (for a caller that does not time its steps). */
export const untimedStep: CommitStepTimer = (_step, work) => work();

export interface CheckpointWriter {
  /**
   * Writes the task's checkpoint. A store that may have to try again (a rebalance) asks `owned`
   * before each attempt and fails with TaskLostError once the task is no longer this container's.
   * A writer whose write has steps of its own that may wait (a transaction's offsets and commit)
   * runs each through `step`.
   */
  write(task: string, checkpoint: Checkpoint, owned: () => boolean, step?: CommitStepTimer): Promise<void>;
}

export interface CheckpointStore extends CheckpointWriter {
  /** The last checkpoint of each task that has one. */
  load(tasks: readonly { readonly name: string; readonly ssps: readonly Ssp[] }[]): Promise<Map<string, Checkpoint>>;
}
