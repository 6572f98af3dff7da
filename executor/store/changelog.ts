/**
 * How stores reach their changelog: a sink for writes and a source for restore. The Kafka
 * implementations live in `kafka-changelog.ts`; the embedded runner has in-memory ones.
 */
export interface ChangelogRecord {
  readonly key: Buffer;
  /** null is a tombstone: the key was deleted. */
  readonly value: Buffer | null;
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
