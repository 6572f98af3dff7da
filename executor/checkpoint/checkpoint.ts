import type { Ssp } from '../../shared/api/task.js';

/**
 * A task's checkpoint: where each of its input partitions resumes, and the changelog offset of
 * each of its stores that matches exactly those input positions. Written only after every output
 * and changelog record of the messages it covers was acknowledged.
 */
export interface Checkpoint {
  /** sspKey → the next offset to process (a decimal string, like Kafka's). */
  readonly inputs: Readonly<Record<string, string>>;
  /** store name → the last changelog offset the store's state includes (-1: none). */
  readonly changelogs: Readonly<Record<string, number>>;
}

export interface CheckpointStore {
  /** The last checkpoint of each task that has one. */
  load(tasks: readonly { readonly name: string; readonly ssps: readonly Ssp[] }[]): Promise<Map<string, Checkpoint>>;
  write(task: string, checkpoint: Checkpoint): Promise<void>;
}
