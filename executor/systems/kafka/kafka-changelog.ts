import type { Admin, Kafka } from 'kafkajs';
import type { BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import { KafkaError, KafkaErrorCode } from '../../../shared/kafka/errors.js';
import { readPartitions } from '../../../shared/kafka/partition-reader.js';
import { whileTopicIsNew } from '../../../shared/kafka/topics.js';
import {
  EPOCH_HEADER,
  encodeEpoch,
  type ChangelogPartition,
  type ChangelogReadRequest,
  type ChangelogRecord,
  type ChangelogSink,
  type ChangelogSource,
  type OffsetRecord,
} from '../../store/changelog.js';

/** A store's changelog partition on Kafka, written through the container's batching producer. */
export class KafkaChangelogSink implements ChangelogSink {
  private outstanding: Promise<number>[] = [];
  private lastAcked: number | undefined;
  private readonly headers: { readonly [EPOCH_HEADER]: Buffer };

  constructor(
    private readonly producer: BatchingProducer,
    readonly target: ChangelogPartition,
    /** The task owner's epoch, in a header of every record. */
    epoch: bigint,
  ) {
    this.headers = { [EPOCH_HEADER]: encodeEpoch(epoch) };
  }

  send(records: readonly ChangelogRecord[]): void {
    if (records.length === 0) return;
    const sent = this.producer.sendToPartition(this.target.topic, this.target.partition, records, this.headers);
    // Failures surface from flush(); keep the promise from being reported as unhandled before then.
    sent.catch(() => undefined);
    this.outstanding.push(sent);
  }

  async flush(): Promise<number | undefined> {
    while (this.outstanding.length > 0) {
      const waiting = this.outstanding;
      this.outstanding = [];
      for (const offset of await Promise.all(waiting)) this.lastAcked = Math.max(this.lastAcked ?? -1, offset);
    }
    return this.lastAcked;
  }
}

export class KafkaChangelogSource implements ChangelogSource {
  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
  ) {}

  async watermarks(target: ChangelogPartition): Promise<{ low: number; high: number }> {
    const offsets = await whileTopicIsNew(() => this.admin.fetchTopicOffsets(target.topic));
    const found = offsets.find((entry) => entry.partition === target.partition);
    if (!found) {
      throw new KafkaError(KafkaErrorCode.topicMismatch, `changelog topic '${target.topic}' has no partition ${target.partition}`, {
        context: { topic: target.topic },
      });
    }
    return { low: Number(found.low), high: Number(found.high) };
  }

  read(
    requests: readonly ChangelogReadRequest[],
    onRecords: (request: ChangelogReadRequest, records: readonly OffsetRecord[]) => Promise<void>,
  ): Promise<void> {
    // readPartitions hands back the very request objects it was given.
    return readPartitions(this.kafka, requests, (request, records) => onRecords(request as ChangelogReadRequest, records));
  }
}
