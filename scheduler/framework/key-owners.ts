/**
 * Which task holds a store's key, for interactive store queries: pure, from the job model alone.
 * A store keyed like its input (the co-partitioned case: word count counts a word in the task
 * that owns the word's input partition) holds key K in the task owning partition
 * murmur2(serialized K) % partitions — Kafka's default partitioner (shared/kafka/partitioner.ts).
 * Under GroupByPartition that is one task, 'Partition N', whatever the input; under the `ssp`
 * grouper each input's partition is its own task, so a key may be in one task per input.
 */
import { builtInSerdes } from '../../shared/api/serdes.js';
import { SluiceError } from '../../shared/errors.js';
import { partitionForKey } from '../../shared/kafka/partitioner.js';
import { compareStreams, findContainerOfTask, type JobModel, type TaskName } from '../../shared/model/job-model.js';

/** A task that may hold the key, and the container the job model gives it. */
export interface KeyOwner {
  readonly task: TaskName;
  readonly container: string;
  /** The input partition the key hashes to (of `topic`). */
  readonly topic: string;
  readonly partition: number;
}

/**
 * The key given as URL text, as the store's key serde writes it. Only the built-in serdes can be
 * read here (the scheduler does not load the job module that defines the others); the container
 * parses the text the same way (executor/http/store-query.ts `storeKeyFromText`).
 */
export function storeKeyBytes(serde: string, text: string, store: string): Buffer {
  const invalid = (expected: string) =>
    new SluiceError('QUERY_KEY_INVALID', `store '${store}' has ${serde} keys; '${text}' is not ${expected}`, { context: { store, serde, key: text } });
  switch (serde) {
    case 'string':
    case 'bytes':
      return Buffer.from(text, 'utf8');
    case 'int32': {
      const value = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw invalid('an integer in [-2^31, 2^31)');
      return builtInSerdes.int32.toBytes(value);
    }
    case 'int64': {
      const value = /^[+-]?\d+$/.test(text) ? BigInt(text) : undefined;
      if (value === undefined || value < -(1n << 63n) || value >= 1n << 63n) throw invalid('an integer in [-2^63, 2^63)');
      return builtInSerdes.int64.toBytes(value);
    }
    case 'json':
      try {
        return builtInSerdes.json.toBytes(JSON.parse(text));
      } catch {
        throw invalid('JSON (a string key is written with its quotes: "word")');
      }
    default:
      throw new SluiceError(
        'QUERY_KEY_SERDE_UNSUPPORTED',
        `store '${store}' has keys of serde '${serde}', which the job module defines; the scheduler routes keys of the built-in serdes only ` +
          `(${Object.keys(builtInSerdes).join(', ')}); ask the container that runs the task directly (GET <container url>/stores/${store}/<key>?task=<task>)`,
        { context: { store, serde } },
      );
  }
}

/**
 * The tasks that may hold `key` (one under GroupByPartition), each with its container, in input
 * order. An input's partition count is read off the model: its partitions are 0…N-1, all owned.
 */
export function keyOwners(model: JobModel, key: Buffer): KeyOwner[] {
  const inputs = new Map<string, { system: string; topic: string; partitions: number }>();
  const owners = new Map<string, TaskName>();
  for (const container of model.containers) {
    for (const task of container.tasks) {
      for (const ssp of task.ssps) {
        const name = `${ssp.system}.${ssp.topic}`;
        const known = inputs.get(name);
        inputs.set(name, { system: ssp.system, topic: ssp.topic, partitions: Math.max(known?.partitions ?? 0, ssp.partition + 1) });
        owners.set(`${name}.${ssp.partition}`, task.name);
      }
    }
  }
  const found: KeyOwner[] = [];
  for (const input of [...inputs.values()].sort(compareStreams)) {
    const partition = partitionForKey(input.topic, input.partitions, key);
    const task = owners.get(`${input.system}.${input.topic}.${partition}`);
    const container = task === undefined ? undefined : findContainerOfTask(model, task);
    if (task === undefined || container === undefined || found.some((owner) => owner.task === task)) continue;
    found.push({ task, container: container.id, topic: input.topic, partition });
  }
  return found;
}
