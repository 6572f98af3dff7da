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
import { isBuiltInSerde, storeKeyBytesFromText } from '../../shared/query/store-key-text.js';
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
 * The key given as URL text, as the store's key serde writes it (shared/query/store-key-text.ts).
 * Only the built-in serdes can be read here: the scheduler does not load the job module that defines
 * the others.
 */
export function storeKeyBytes(serde: string, text: string, store: string): Buffer {
  if (isBuiltInSerde(serde)) return storeKeyBytesFromText(serde, text, store);
  throw new SluiceError(
    'QUERY_KEY_SERDE_UNSUPPORTED',
    `store '${store}' has keys of serde '${serde}', which the job module defines; the scheduler routes keys of the built-in serdes only ` +
      `(${Object.keys(builtInSerdes).join(', ')}); ask the container that runs the task directly (GET <container url>/stores/${store}/<key>?task=<task>)`,
    { context: { store, serde } },
  );
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
    const partition = partitionForKey(input.partitions, key);
    const task = owners.get(`${input.system}.${input.topic}.${partition}`);
    const container = task === undefined ? undefined : findContainerOfTask(model, task);
    if (task === undefined || container === undefined || found.some((owner) => owner.task === task)) continue;
    found.push({ task, container: container.id, topic: input.topic, partition });
  }
  return found;
}
