import { SluiceError } from '../errors.js';
import { allTasks, compareNames, compareStreams, type JobModel, type TaskName } from './job-model.js';
import { groupByPartition, type GroupedTask, type InputStream, type SspGrouper } from './ssp-grouper.js';

/** An input stream that has more partitions than the previous job model knew. */
export interface StreamExpansion {
  readonly system: string;
  readonly topic: string;
  readonly from: number;
  readonly to: number;
}

/** The task set for the current inputs, and what grew since the previous model. */
export interface TaskSetChange {
  readonly tasks: GroupedTask[];
  /** Tasks the previous model did not have, in natural name order. */
  readonly added: TaskName[];
  readonly expanded: StreamExpansion[];
}

const LISTED = 5;

function listing(names: readonly string[]): string {
  const shown = names
    .slice(0, LISTED)
    .map((name) => `'${name}'`)
    .join(', ');
  return names.length > LISTED ? `${shown} and ${names.length - LISTED} more` : shown;
}

/** Partition counts as the previous model saw them: highest partition + 1 per stream. */
function previousCounts(previous: JobModel): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ssp of allTasks(previous).flatMap((task) => task.ssps)) {
    const stream = `${ssp.system}.${ssp.topic}`;
    counts.set(stream, Math.max(counts.get(stream) ?? 0, ssp.partition + 1));
  }
  return counts;
}

/**
 * Regroups the current inputs and checks the result against the previous model. Growth is allowed
 * (new partitions become new tasks; see changelog-partitions.ts for the policy). Anything that
 * would leave a previous task without its input is refused, because that task's changelog
 * partition holds state no task would own any more: a shrunk input, or a task that the grouper no
 * longer produces (an input removed, the grouper changed).
 */
export function detectPartitionExpansion(
  previous: JobModel,
  inputs: readonly InputStream[],
  grouper: SspGrouper = groupByPartition,
): TaskSetChange {
  const before = previousCounts(previous);
  const expanded: StreamExpansion[] = [];
  const shrunk: string[] = [];
  for (const input of [...inputs].sort(compareStreams)) {
    const from = before.get(`${input.system}.${input.topic}`);
    if (from === undefined || from === input.partitionCount) continue;
    if (input.partitionCount > from) expanded.push({ system: input.system, topic: input.topic, from, to: input.partitionCount });
    else shrunk.push(`topic ${input.system}.${input.topic} went from ${from} to ${input.partitionCount} partitions`);
  }
  if (shrunk.length > 0) {
    throw new SluiceError(
      'MODEL_PARTITIONS_SHRUNK',
      `${shrunk.join('; ')}; Sluice cannot shrink the inputs of job '${previous.job}': the tasks of the lost partitions ` +
        `hold state in their changelog partitions that no task would own. Kafka never removes partitions, so a shrunk topic ` +
        `was deleted and recreated: restore its partition count, or reset the job (delete its job model and ` +
        `changelog topics) to start over with empty state.`,
      { context: { job: previous.job } },
    );
  }
  const tasks = grouper(inputs);
  const now = new Set(tasks.map((task) => task.name));
  const had = allTasks(previous).map((task) => task.name);
  const removed = had.filter((name) => !now.has(name)).sort(compareNames);
  if (removed.length > 0) {
    throw new SluiceError(
      'MODEL_TASKS_REMOVED',
      `the current inputs and grouper no longer produce task${removed.length > 1 ? 's' : ''} ${listing(removed)} of job ` +
        `'${previous.job}' (version ${previous.version}); their state would be orphaned. Restore the removed inputs ` +
        `or the previous grouper, or reset the job (delete its job model and changelog topics) to regroup from scratch.`,
      { context: { job: previous.job, removed: removed.length } },
    );
  }
  const known = new Set(had);
  return { tasks, added: tasks.map((task) => task.name).filter((name) => !known.has(name)), expanded };
}
