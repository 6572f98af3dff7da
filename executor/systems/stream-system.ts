import type { Ssp } from '../../shared/api/task.js';
import type { TopicSpec } from '../../shared/kafka/topics.js';
import type { CheckpointStore, CheckpointWriter } from '../checkpoint/checkpoint.js';
import type { ChangelogCompaction, ChangelogPartition, ChangelogSink, ChangelogSource } from '../store/changelog.js';

/**
 * Where a container's messages, changelogs and checkpoints live. Two systems implement it: Kafka
 * (production) and memory (the embedded runner). The container code is the same for both.
 */
export interface StreamSystem {
  readonly name: 'kafka' | 'memory';
  /** Partition counts of existing topics; a missing topic is an error naming it and its purpose. */
  partitionCounts(topics: readonly { topic: string; purpose: string }[]): Promise<Map<string, number>>;
  /** Creates missing topics and validates existing ones (partitions, compaction). */
  /** Returns the compaction settings of each compacted topic (changelogs), as the topic has them. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<Map<string, ChangelogCompaction>>;
  readonly changelogSource: ChangelogSource;
  /** Where the tasks' checkpoints are loaded from (and, in at-least-once mode, written to). */
  readonly checkpoints: CheckpointStore;
  /**
   * Opens the writer of one of the container's tasks, owned under `epoch` (its changelog records
   * carry it, see changelog.ts). In exactly-once mode this fences every earlier owner of the task
   * and aborts its open transaction, so open writers before loading checkpoints or restoring.
   * The system closes every writer it opened when it closes.
   */
  openTaskWriter(task: { readonly name: string; readonly ssps: readonly Ssp[] }, epoch: bigint): Promise<TaskWriter>;
  /** Where partitions without a checkpoint start: the first or the next offset, by reset policy. */
  resolveStarts(ssps: readonly { ssp: Ssp; reset: 'earliest' | 'latest' }[]): Promise<Map<string, string>>;
  /** Starts delivering the given partitions from the given offsets. */
  openInput(request: InputRequest): Promise<InputSource>;
  close(): Promise<void>;
}

export interface InputMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  readonly timestamp: number;
}

export interface InputRequest {
  readonly containerId: string;
  readonly jobModelVersion: number;
  /** Every SSP of the container, with the offset to start from. */
  /** Each partition, where it starts, and the epoch of the task claim it is owned under (0: no claims). */
  readonly ssps: readonly { ssp: Ssp; start: string; epoch: bigint }[];
  /** Called per batch, in offset order per partition: hands the messages to the task that owns them. */
  readonly onMessages: (ssp: Ssp, messages: readonly InputMessage[], highWatermark: string | undefined) => void;
  /**
   * Resolves when the task that owns the partition has room for more (back-pressure): a source
   * awaits it before fetching that partition again.
   */
  readonly roomFor: (ssp: Ssp) => Promise<void>;
  /** Bounded inputs only: called once when a partition has no more messages. */
  readonly onEnd?: (ssp: Ssp) => void;
  /** True when the container's tasks have nothing queued: how a bounded system sees that input is over. */
  readonly idle: () => boolean;
}

export interface InputSource {
  /**
   * Per-task hand-over, first step: no `onMessages` call for these partitions from now on (their
   * tasks may still make their last commits). The others are delivered throughout.
   */
  stopDelivering(ssps: readonly Ssp[]): void;
  /**
   * Per-task hand-over: the input's partitions become exactly `ssps`. Those it does not deliver yet
   * start from their starts, those not listed stop, the others are delivered throughout; whatever
   * the system keeps of the container's partitions elsewhere (Kafka: the group member's claim)
   * follows them.
   */
  follow(ssps: InputRequest['ssps']): Promise<void>;
  /**
   * Stops delivering. The source stays connected, because a task's last commit may need it
   * (Kafka checkpoints are the consumer group's offset commits).
   */
  pause(): void;
  /** Disconnects; resolves when no `onMessages` call is running any more. */
  close(): Promise<void>;
  /** Resolves when the input failed for good (the container then stops with the error). */
  readonly failed: Promise<Error>;
}

export interface OutgoingMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly partition?: number;
  readonly headers?: Record<string, string>;
}

/**
 * Where one task's effects go: its outputs, its stores' changelog records, and its checkpoints.
 * At least once, every task of a container shares one producer and the checkpoint is written
 * after everything it covers was acknowledged. Exactly once, each task has a transactional
 * producer, and a checkpoint commits in one Kafka transaction with every record sent since the last.
 */
export interface TaskWriter {
  readonly outputs: OutputSink;
  changelogSink(target: ChangelogPartition): ChangelogSink;
  readonly checkpoints: CheckpointWriter;
  /** The task left the container (a hand-over): closes what only it used. The system closes the rest when it closes. */
  close(): Promise<void>;
}

/** The at-least-once writer of a task: the container's shared output sink and checkpoint store (nothing of its own to close). */
export function sharedTaskWriter(
  outputs: OutputSink,
  checkpoints: CheckpointWriter,
  changelogSink: (target: ChangelogPartition) => ChangelogSink,
): TaskWriter {
  return { outputs, checkpoints, changelogSink, close: async () => undefined };
}

export interface OutputSink {
  send(topic: string, messages: readonly OutgoingMessage[]): void;
  /** Resolves when every message sent so far (outputs and changelogs) is acknowledged. */
  flush(): Promise<void>;
}
