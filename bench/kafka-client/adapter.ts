/**
 * What every client under test provides to the workloads of `bench:kafka-client` (workloads.ts):
 * the few operations Sluice's Kafka layer performs, each written the way that client's
 * documentation says to, so the workloads themselves are the same code for all three.
 */

/** A record to produce: keyed, explicit partition (as Sluice's outputs and changelogs are sent). */
export interface OutRecord {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly partition: number;
}

/** A consumed batch of one partition. */
export interface InBatch {
  readonly partition: number;
  readonly count: number;
  /** Offset of the batch's last record. */
  readonly lastOffset: bigint;
  /** Key and value bytes, summed: the records are read, as a task would read them. */
  readonly bytes: number;
}

/** An input offset to commit, with a checkpoint as its metadata (as KafkaCheckpointStore does). */
export interface OffsetCommit {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read. */
  readonly offset: bigint;
  readonly metadata: string;
}

export interface ConsumeOptions {
  readonly topic: string;
  readonly groupId: string;
  /**
   * Called once per fetched partition batch. Its promise holds the consumer back (back pressure),
   * as a task's full queue holds back Sluice's input.
   */
  readonly onBatch: (batch: InBatch) => Promise<void> | void;
}

export interface RunningConsumer {
  /** The group generation handle the client needs for a transactional offset commit, if any. */
  commitOffsets(offsets: readonly OffsetCommit[]): Promise<void>;
  stop(): Promise<void>;
}

export interface BenchProducer {
  /** Queues records; resolves once Kafka acknowledged them all (acks=all). */
  send(topic: string, records: readonly OutRecord[]): Promise<void>;
  /** Resolves when everything sent so far is acknowledged. */
  flush(): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TransactionalProducer {
  begin(): Promise<void>;
  /** Sends inside the open transaction; resolves when acknowledged. */
  send(topic: string, records: readonly OutRecord[]): Promise<void>;
  /** Adds the input offsets (with their metadata) to the open transaction, for `groupId`. */
  sendOffsets(groupId: string, consumer: RunningConsumer | undefined, offsets: readonly OffsetCommit[]): Promise<void>;
  commit(): Promise<void>;
  disconnect(): Promise<void>;
}

export interface ClientAdapter {
  readonly name: string;
  /** Joins `groupId` as its only member and reads `topic` from the beginning until stopped. */
  consume(options: ConsumeOptions): Promise<RunningConsumer>;
  producer(): Promise<BenchProducer>;
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  /**
   * Whether `sendOffsets` needs a joined consumer of the group (KIP-447 style: the client takes
   * the generation from it) rather than only the group id.
   */
  readonly sendOffsetsNeedsConsumer: boolean;
  close(): Promise<void>;
}

export type AdapterFactory = (brokers: readonly string[]) => Promise<ClientAdapter>;

/** Consumer fetch settings of every client: Sluice's input (executor/systems/kafka/kafka-system.ts). */
export const FETCH = { maxBytesPerPartition: 1024 * 1024, maxWaitMs: 500 } as const;
