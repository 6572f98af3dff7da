import type { IHeaders } from 'kafkajs';
import { internalModule } from './kafkajs-internals.js';

/** One partition of a fetch response, as kafkajs's Broker.fetch decodes it (fetch v4 and later). */
export interface FetchedPartitionData {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: string;
  readonly lastStableOffset?: string;
  readonly abortedTransactions?: readonly { readonly producerId: string; readonly firstOffset: string }[];
  readonly messages: readonly DecodedRecord[];
}

/** A record as kafkajs decodes it (control records and a transaction's records included). */
export interface DecodedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly headers?: IHeaders;
  readonly isControlRecord?: boolean;
}

export interface FetchedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly headers?: IHeaders;
}

interface KafkajsBatch {
  readonly messages: DecodedRecord[];
  readonly messagesWithinOffset: DecodedRecord[];
  readonly rawMessages: DecodedRecord[];
}

type BatchClass = new (topic: string, fetchedOffset: string, partitionData: FetchedPartitionData) => KafkajsBatch;

let Batch: BatchClass | undefined;

/**
 * What one partition of a fetch from `fetchedOffset` gives a reader: the records to hand on, in
 * offset order, and where the next fetch starts (undefined: where this one did, nothing was read).
 * kafkajs's own Batch does the filtering, as its consumer does (records before the fetched offset,
 * which a compressed record batch may hold; control records; with read_committed, the records of
 * aborted transactions, which the broker lists). A read_committed fetch answers nothing past the
 * last stable offset, so records of open transactions never reach it.
 *
 * The position moves past everything the response held at or after the fetched offset, records
 * filtered out included (an aborted transaction and its marker are read once). A response whose only
 * records lie before the fetched offset (compaction removed the rest of their record batch) moves it
 * one on, as kafkajs does: that offset does not exist any more.
 */
export function readFetchedPartition(
  topic: string,
  fetchedOffset: string,
  data: FetchedPartitionData,
): { records: FetchedRecord[]; next: string | undefined } {
  Batch ??= internalModule<BatchClass>('src/consumer/batch.js', 'shared/kafka/fetched-partition.ts');
  const batch = new Batch(topic, fetchedOffset, data);
  const records = batch.messages.map(({ offset, key, value, timestamp, headers }) => ({ offset, key, value, timestamp, headers }));
  const within = batch.messagesWithinOffset;
  const last = within[within.length - 1];
  if (last !== undefined) return { records, next: String(BigInt(last.offset) + 1n) };
  if (batch.rawMessages.length > 0) return { records, next: String(BigInt(fetchedOffset) + 1n) };
  return { records, next: undefined };
}
