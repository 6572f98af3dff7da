import { SluiceError } from '../errors.js';
import { allTasks, compareNames, type JobModel, type TaskName } from './job-model.js';

/**
 * Which changelog partition holds each task's stores.
 *
 * Policy: a task's changelog partition never changes once assigned, because its local stores are
 * rebuilt from exactly that partition; handing it another one would restore someone else's state
 * or none. New tasks take the lowest partitions nobody holds, in natural task-name order, so a
 * fresh GroupByPartition job maps 'Partition N' to changelog partition N.
 *
 * Input partition expansion (see detect-partition-expansion.ts): when GroupByPartition inputs grow
 * from N to M partitions, partitions N..M-1 become new tasks 'Partition N'..'Partition M-1' with new
 * changelog partitions; tasks 0..N-1 keep their SSPs' partition numbers and their changelog
 * partitions. Keys that Kafka now hashes to a new partition start with empty state in the new task;
 * their old values stay in the old task. Shrinking is refused.
 */
export function assignChangelogPartitions(tasks: readonly TaskName[], previous?: ReadonlyMap<TaskName, number>): Map<TaskName, number> {
  const taken = new Set<number>();
  for (const [task, partition] of previous ?? []) {
    if (!Number.isSafeInteger(partition) || partition < 0) {
      throw new SluiceError(
        'MODEL_CHANGELOG_PARTITION_INVALID',
        `task '${task}' had changelog partition ${partition}; expected an integer ≥ 0`,
        { context: { task, partition } },
      );
    }
    if (taken.has(partition)) {
      throw new SluiceError(
        'MODEL_CHANGELOG_PARTITION_DUPLICATED',
        `changelog partition ${partition} was assigned to more than one task, '${task}' among them`,
        { context: { task, partition } },
      );
    }
    // Held even by tasks that are gone, so a new task never inherits a stranger's state.
    taken.add(partition);
  }
  const result = new Map<TaskName, number>();
  let next = 0;
  for (const task of [...new Set(tasks)].sort(compareNames)) {
    const kept = previous?.get(task);
    if (kept !== undefined) {
      result.set(task, kept);
      continue;
    }
    while (taken.has(next)) next++;
    taken.add(next);
    result.set(task, next);
  }
  return result;
}

/** The task → changelog partition mapping a job model records. */
export function changelogPartitionsOf(model: JobModel): Map<TaskName, number> {
  return new Map(allTasks(model).map((task) => [task.name, task.changelogPartition]));
}
