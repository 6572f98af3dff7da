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

type FilterAborted = (batch: {
  messages: readonly DecodedRecord[];
  abortedTransactions: FetchedPartitionData['abortedTransactions'];
}) => DecodedRecord[];

let filterAbortedMessages: FilterAborted | undefined;

/**
 * What one partition of a fetch from `fetchedOffset` gives a reader: the records to hand on, in
 * offset order, and where the next fetch starts (undefined: where this one did, nothing was read).
 * Dropped, as kafkajs's consumer drops them: records before the fetched offset (a compressed record
 * batch may hold some), control records, and with read_committed the records of aborted
 * transactions, which the broker lists (kafkajs's filterAbortedMessages as scripts/patch-kafkajs.mjs
 * leaves it). A read_committed fetch answers nothing past the last stable offset, so records of open
 * transactions never reach it. The records are kafkajs's decoded objects, handed on as they are (a
 * container reads hundreds of thousands a second: no copy each).
 *
 * The position moves past everything the response held at or after the fetched offset, records
 * filtered out included (an aborted transaction and its marker are read once). A response whose only
 * records lie before the fetched offset (compaction removed the rest of their record batch) moves it
 * one on, as kafkajs does: that offset does not exist any more.
 */
export function readFetchedPartition(
  fetchedOffset: string,
  data: FetchedPartitionData,
): { records: FetchedRecord[]; next: string | undefined } {
  filterAbortedMessages ??= internalModule<FilterAborted>('src/consumer/filterAbortedMessages.js', 'shared/kafka/fetched-partition.ts');
  const raw = data.messages;
  // A response's records ascend: only its first few can lie before the fetched offset.
  const from = BigInt(fetchedOffset);
  let first = 0;
  while (first < raw.length && BigInt((raw[first] as DecodedRecord).offset) < from) first++;
  const within = first === 0 ? raw : raw.slice(first);
  const committed = data.abortedTransactions?.length
    ? filterAbortedMessages({ messages: within, abortedTransactions: data.abortedTransactions })
    : within;
  const records = committed.filter((record) => !record.isControlRecord);
  const last = within[within.length - 1];
  if (last !== undefined) return { records, next: String(BigInt(last.offset) + 1n) };
  if (raw.length > 0) return { records, next: String(BigInt(fetchedOffset) + 1n) };
  return { records, next: undefined };
}
