/**
 * How stores reach their changelog: a sink for writes and a source for restore. The Kafka
 * implementations live in `kafka-changelog.ts`; the embedded runner has in-memory ones.
 */
export interface ChangelogRecord {
  readonly key: Buffer;
  /** null is a tombstone: the key was deleted. */
  readonly value: Buffer | null;
}

/** What restore must know of a changelog topic's compaction, as the topic has it. */
export interface ChangelogCompaction {
  /** How long tombstones are kept: a DB older than this may have missed deletes. */
  readonly deleteRetentionMs: number;
  /** How long a record is safe from compaction: a checkpoint older than this may have lost committed records. */
  readonly minCompactionLagMs: number;
}

export interface ChangelogPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ChangelogSink {
  readonly target: ChangelogPartition;
  /** Queues records for sending; a failure surfaces from the next `flush()`. */
  send(records: readonly ChangelogRecord[]): void;
  /**
   * Resolves once every record sent so far is acknowledged, with the offset of the last
   * acknowledged record of the partition (undefined when this sink has sent nothing).
   */
  flush(): Promise<number | undefined>;
}

export interface ChangelogReadRequest extends ChangelogPartition {
  /** First offset to read. */
  readonly from: number;
  /** Last offset to read (inclusive); nothing is read when it is below `from`. */
  readonly to: number;
}

export interface OffsetRecord extends ChangelogRecord {
  readonly offset: number;
  /** The record's headers as read (Kafka gives buffers, the in-memory topics strings). */
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

/**
 * Every changelog record says which owner of the task wrote it: the epoch of that owner's task
 * claim (hand-over-barrier.ts). Restore tells a zombie's late records from the owner's by it.
 */
export const EPOCH_HEADER = 'sluice-epoch';

export function encodeEpoch(epoch: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(epoch);
  return bytes;
}

/** The epoch a record was written in; 0 for a record without one (written by an owner without claims, or before epochs). */
export function epochOf(record: OffsetRecord): bigint {
  const header = record.headers?.[EPOCH_HEADER];
  if (Buffer.isBuffer(header) && header.length === 8) return header.readBigInt64BE(0);
  if (typeof header === 'string' && /^\d+$/.test(header)) return BigInt(header);
  return 0n;
}

export interface ChangelogSource {
  /** Low watermark (first offset present) and high watermark (next offset to be written). */
  watermarks(target: ChangelogPartition): Promise<{ low: number; high: number }>;
  /**
   * Reads every request's offsets in order per partition; `onRecords` gets chunks of records
   * and is awaited before the next chunk of that partition (back-pressure for engine writes).
   */
  read(
    requests: readonly ChangelogReadRequest[],
    onRecords: (request: ChangelogReadRequest, records: readonly OffsetRecord[]) => Promise<void>,
  ): Promise<void>;
}
