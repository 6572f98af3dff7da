import type { Logger } from 'winston';
import type { KeyValueStore } from './key-value-store.js';

/** One partition of one input topic (system-stream-partition). */
export interface Ssp {
  readonly system: string;
  readonly topic: string;
  readonly partition: number;
}

/** A message as a task receives it, with its key and value already deserialized. */
export interface IncomingEnvelope<K = unknown, V = unknown> {
  readonly ssp: Ssp;
  readonly key: K;
  readonly value: V;
  /** The message's offset in its partition (a decimal string, like Kafka's). */
  readonly offset: string;
  /** Milliseconds since the epoch, from the message. */
  readonly timestamp: number;
}

/** A message a task sends; serialized with the output's serdes from the job config. */
export interface OutgoingEnvelope<K = unknown, V = unknown> {
  readonly topic: string;
  readonly key?: K;
  /** null sends a tombstone. */
  readonly value: V | null;
  /** Chosen by the key's hash when absent. */
  readonly partition?: number;
}

export interface MessageCollector {
  /** Queues the message; the next commit waits until Kafka has acknowledged it. */
  send<K, V>(envelope: OutgoingEnvelope<K, V>): void;
}

export interface TaskCoordinator {
  /** Asks for a commit of this task after the current message. */
  commit(): void;
  /** Asks the container to stop cleanly after the current message (commit, close, exit). */
  shutdown(): void;
}

export interface TaskContext {
  /** e.g. 'Partition 3'. */
  readonly taskName: string;
  readonly ssps: readonly Ssp[];
  /** The job config's `config` section: the job's own settings. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
  /** A store declared in the job config's `stores` section. */
  getStore<K, V>(name: string): KeyValueStore<K, V>;
}

/**
 * The code of a task. `process` is called for each message of the task's partitions, in offset
 * order per partition; it may return a promise, which is awaited before the next message.
 *
 * @example
 * ```ts
 * export default defineJob({
 *   task: () => {
 *     let counts: KeyValueStore<string, number>;
 *     return {
 *       init: (context) => { counts = context.getStore('counts'); },
 *       async process(envelope, collector) {
 *         const word = envelope.value as string;
 *         const count = ((await counts.get(word)) ?? 0) + 1;
 *         await counts.put(word, count);
 *         collector.send({ topic: 'word-counts', key: word, value: count });
 *       },
 *     };
 *   },
 * });
 * ```
 */
export interface StreamTask {
  init?(context: TaskContext): void | Promise<void>;
  process(envelope: IncomingEnvelope, collector: MessageCollector, coordinator: TaskCoordinator): void | Promise<void>;
  /** Called every `task.window-ms` (when set), between messages. */
  window?(collector: MessageCollector, coordinator: TaskCoordinator): void | Promise<void>;
  /** Called once when every input partition of the task has ended (bounded inputs only). */
  endOfStream?(collector: MessageCollector, coordinator: TaskCoordinator): void | Promise<void>;
  /** Called at shutdown after the last commit; stores are still open. */
  close?(): void | Promise<void>;
}
