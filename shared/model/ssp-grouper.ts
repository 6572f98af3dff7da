import { SluiceError } from '../errors.js';
import { compareNames, compareStreams, type Ssp, type TaskName } from './job-model.js';

/**
 * SSP groupers decide which input partitions form one task. A task is the unit of state and
 * ordering, so the grouping fixes which messages can meet in one store.
 */

/** One input stream of a job and how many partitions it has now. */
export interface InputStream {
  readonly system: string;
  readonly topic: string;
  readonly partitionCount: number;
}

/** A task before it is placed in a container or given a changelog partition. */
export interface GroupedTask {
  readonly name: TaskName;
  readonly ssps: readonly Ssp[];
}

/** Returns tasks in natural name order, SSPs in canonical order, whatever the input order. */
export type SspGrouper = (inputs: readonly InputStream[]) => GroupedTask[];

/** The name GroupByPartition gives the task owning partition `partition` of every input. */
export function partitionTaskName(partition: number): TaskName {
  return `Partition ${partition}`;
}

/** The name GroupBySystemStreamPartition gives the task owning exactly `ssp`, as Samza names it. */
export function sspTaskName(ssp: Ssp): TaskName {
  return `SystemStreamPartition [${ssp.system}, ${ssp.topic}, ${ssp.partition}]`;
}

function streamName(input: InputStream): string {
  return `${input.system}.${input.topic}`;
}

/** Rejects what no grouper can group: no inputs, a stream listed twice, a bad partition count. */
function checkedInputs(inputs: readonly InputStream[]): InputStream[] {
  if (inputs.length === 0) {
    throw new SluiceError('MODEL_NO_INPUTS', 'the job has no input streams; a job needs at least one to form tasks');
  }
  const seen = new Set<string>();
  for (const input of inputs) {
    const name = streamName(input);
    if (input.system === '' || input.system.includes('.') || input.topic === '') {
      throw new SluiceError('MODEL_INPUT_INVALID', `input '${name}' needs a system name without dots and a topic name`, {
        context: { system: input.system, topic: input.topic },
      });
    }
    if (!Number.isSafeInteger(input.partitionCount) || input.partitionCount < 1) {
      const problem = `has ${input.partitionCount} partitions; expected an integer ≥ 1`;
      throw new SluiceError('MODEL_INPUT_INVALID', `input ${name} ${problem}`, {
        context: { system: input.system, topic: input.topic, partitionCount: input.partitionCount },
      });
    }
    if (seen.has(name)) {
      throw new SluiceError('MODEL_INPUT_DUPLICATED', `input ${name} is listed twice; list each input stream once`, {
        context: { system: input.system, topic: input.topic },
      });
    }
    seen.add(name);
  }
  return [...inputs].sort(compareStreams);
}

/**
 * Samza's default: task 'Partition N' owns partition N of every input. Keys hashed alike land in
 * the same task on every input (co-partitioning), which is what makes store-backed joins work.
 * Co-partitioning needs equal partition counts; anything else is refused rather than guessed.
 */
export const groupByPartition: SspGrouper = (inputs) => {
  const sorted = checkedInputs(inputs);
  const counts = new Set(sorted.map((input) => input.partitionCount));
  if (counts.size > 1) {
    const listing = sorted.map((input) => `${streamName(input)} has ${input.partitionCount} partitions`).join(', ');
    throw new SluiceError(
      'MODEL_PARTITION_COUNT_MISMATCH',
      `GroupByPartition needs every input to have the same number of partitions, so that task 'Partition N' ` +
        `sees partition N of each input, but ${listing}. Give the inputs one partition count ` +
        `(repartition the smaller ones into new topics), or use groupBySystemStreamPartition if the job does not join inputs.`,
      { context: Object.fromEntries(sorted.map((input) => [streamName(input), input.partitionCount])) },
    );
  }
  const count = sorted[0]?.partitionCount ?? 0;
  return Array.from({ length: count }, (_, partition) => ({
    name: partitionTaskName(partition),
    ssps: sorted.map((input) => ({ system: input.system, topic: input.topic, partition })),
  }));
};

/** One task per SSP: the most parallelism, no co-partitioning (so no joins across inputs). */
export const groupBySystemStreamPartition: SspGrouper = (inputs) =>
  checkedInputs(inputs)
    .flatMap((input) =>
      Array.from({ length: input.partitionCount }, (_, partition) => {
        const ssp = { system: input.system, topic: input.topic, partition };
        return { name: sspTaskName(ssp), ssps: [ssp] };
      }),
    )
    .sort((a, b) => compareNames(a.name, b.name));
