import type { IHeaders, Kafka } from 'kafkajs';
import { describeError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { KafkaError, KafkaErrorCode } from './errors.js';
import { keyOf, PartitionFetcher } from './partition-fetcher.js';

export interface PartitionReadRequest {
  readonly topic: string;
  readonly partition: number;
  /** First offset to read. */
  readonly from: number;
  /** Last offset to read (inclusive). */
  readonly to: number;
}

export interface ReadRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly offset: number;
  readonly headers?: IHeaders;
}

export interface ReadOptions {
  readonly maxBytesPerPartition?: number;
  /** Where the fetcher's warnings go (a partition fetched again after failures, records deleted before they were read). */
  readonly logger?: Logger;
}

const NO_KEY = Buffer.alloc(0);

/**
 * Reads exact offset ranges of partitions, for restores, standby copies and checks: committed
 * records only (read_committed), each partition's in order through its `onRecords` calls, one after
 * the other, the partitions at the same time. A PartitionFetcher fetches exactly these partitions
 * from these offsets, without a consumer group (kafkajs has no `assign()`; a one-off group costs a
 * join, which a broker delays by its `group.initial.rebalance.delay.ms`, 3 s by default). A
 * partition is through once its position passes the range's last offset, which may be a record the
 * fetch drops (a transaction's marker). A failing `onRecords`, a refusal, or a partition that cannot
 * be fetched for minutes fails the read.
 */
export async function readPartitions(
  kafka: Kafka,
  requests: readonly PartitionReadRequest[],
  onRecords: (request: PartitionReadRequest, records: readonly ReadRecord[]) => Promise<void>,
  options: ReadOptions = {},
): Promise<void> {
  const pending = new Map<string, PartitionReadRequest>();
  for (const request of requests) if (request.to >= request.from) pending.set(keyOf(request.topic, request.partition), request);
  if (pending.size === 0) return;

  let through: () => void = () => undefined;
  const allThrough = new Promise<void>((resolve) => (through = resolve));
  const failed = (error: Error): KafkaError =>
    new KafkaError(KafkaErrorCode.readFailed, `reading ${describeRequests(requests)} failed: ${describeError(error)}`, { cause: error });
  const fetcher = await PartitionFetcher.open(kafka, {
    readCommitted: true,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
    maxWaitTimeInMs: 250,
    logger: options.logger ?? createLogger({ component: 'partition-reader' }),
    onBatch: async (batch) => {
      const request = pending.get(keyOf(batch.topic, batch.partition));
      if (!request) return;
      const records: ReadRecord[] = [];
      for (const record of batch.records) {
        const offset = Number(record.offset);
        if (offset > request.to) break;
        records.push({ key: record.key ?? NO_KEY, value: record.value, offset, headers: record.headers });
      }
      if (records.length > 0) await onRecords(request, records);
      if (Number(batch.next) > request.to) {
        pending.delete(keyOf(batch.topic, batch.partition));
        fetcher.remove(batch.topic, batch.partition);
        if (pending.size === 0) through();
      }
    },
  });
  try {
    for (const request of pending.values()) await fetcher.add(request.topic, request.partition, String(request.from));
    const failure = await Promise.race([allThrough.then(() => undefined), fetcher.failed]);
    if (failure !== undefined) throw failed(failure);
  } finally {
    await fetcher.close();
  }
}

function describeRequests(requests: readonly PartitionReadRequest[]): string {
  return requests.map((request) => `${request.topic}[${request.partition}]@${request.from}..${request.to}`).join(', ');
}
