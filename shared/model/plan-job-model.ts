import { SluiceError } from '../errors.js';
import { assignChangelogPartitions, changelogPartitionsOf } from './changelog-partitions.js';
import { detectPartitionExpansion } from './detect-partition-expansion.js';
import { normalizeJobModel, sameJobModel, validateJobModel, type JobModel } from './job-model.js';
import { groupByPartition, type InputStream, type SspGrouper } from './ssp-grouper.js';
import { standbyHolders } from './standby-placement.js';
import { assignmentOf, assignTasks, containerIds, type Locality } from './task-assigner.js';

export interface PlanOptions {
  readonly job: string;
  readonly containerCount: number;
  /** Defaults to groupByPartition, Samza's default. */
  readonly grouper?: SspGrouper;
  /** Last hosts of containers (and optionally of task state), to place moved tasks near their state. */
  readonly locality?: Locality;
  /** Standby replicas per task (task.standbys): a moved task goes to a container that kept its copy in the previous model. */
  readonly standbys?: number;
  /**
   * Containers that keep their place in the model but run no task for now: lost with their agent,
   * their tasks go to the containers that hold their standby replicas (see task-assigner.ts).
   */
  readonly away?: ReadonlySet<string>;
}

/**
 * The next job model for the current inputs and container count. With a previous model it keeps
 * every task's changelog partition, moves the fewest tasks, and refuses shrinking inputs. The
 * version goes up only when something a container acts on changed (tasks, SSPs, placement,
 * changelog partitions), so replanning on every scheduler start does not restart containers.
 */
export function planJobModel(previous: JobModel | undefined, inputs: readonly InputStream[], options: PlanOptions): JobModel {
  const grouper = options.grouper ?? groupByPartition;
  if (previous !== undefined) {
    validateJobModel(previous);
    if (previous.job !== options.job) {
      const message = `the previous job model belongs to job '${previous.job}', not '${options.job}'`;
      throw new SluiceError('MODEL_JOB_MISMATCH', message, { context: { job: options.job, previousJob: previous.job } });
    }
  }
  const grouped = previous === undefined ? grouper(inputs) : detectPartitionExpansion(previous, inputs, grouper).tasks;
  const names = grouped.map((task) => task.name);
  const ssps = new Map(grouped.map((task) => [task.name, task.ssps]));
  const changelog = assignChangelogPartitions(names, previous === undefined ? undefined : changelogPartitionsOf(previous));
  const assignment = assignTasks({
    tasks: names,
    containers: containerIds(options.containerCount),
    previous: previous === undefined ? undefined : assignmentOf(previous),
    locality: options.locality,
    standbyHolders: previous === undefined || !options.standbys ? undefined : standbyHolders(previous, options.standbys),
    away: options.away,
  });

  const planned = normalizeJobModel({
    job: options.job,
    version: previous?.version ?? 1,
    containers: [...assignment].map(([id, tasks]) => ({
      id,
      // Every name has both entries; the fallbacks only satisfy the type checker (-1 would fail validation).
      tasks: tasks.map((name) => ({ name, ssps: ssps.get(name) ?? [], changelogPartition: changelog.get(name) ?? -1 })),
    })),
  });
  // A custom grouper could hand one SSP to two tasks; catch it here, not in a running container.
  validateJobModel(planned);
  if (previous === undefined || sameJobModel(normalizeJobModel(previous), planned)) return planned;
  return { ...planned, version: previous.version + 1 };
}
