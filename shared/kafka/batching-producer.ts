import type { Message, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import { describeError } from '../errors.js';
import { KafkaError, KafkaErrorCode } from './errors.js';

interface Waiter {
  readonly topic: string;
  /** The explicit partition of every message of this send, when the caller chose one. */
  readonly partition: number | undefined;
  readonly count: number;
  resolve(lastOffset: number | undefined): void;
  reject(error: Error): void;
}

/**
 * Sends everything a container produces (outputs and changelogs) through one kafkajs producer,
 * with at most one request in flight: records queued while a request is out go together in the
 * next `sendBatch`. That keeps the order of every partition without an idempotent producer's
 * per-request cost, and batches as much as the load gives (kafkajs has no linger).
 */
export class BatchingProducer {
  private queued: { messages: Map<string, Message[]>; waiters: Waiter[] } = { messages: new Map(), waiters: [] };
  private inFlight: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(private readonly producer: Producer) {}

  /** Queues messages; resolves when Kafka acknowledged them. */
  send(topic: string, messages: readonly Message[]): Promise<void> {
    return this.enqueue(topic, undefined, messages).then(() => undefined);
  }

  /** Queues messages for one partition; resolves with the offset of the last one once acknowledged. */
  sendToPartition(topic: string, partition: number, messages: readonly Message[]): Promise<number> {
    return this.enqueue(
      topic,
      partition,
      messages.map((message) => ({ ...message, partition })),
    ).then((offset) => offset as number);
  }

  /** Resolves when everything queued so far is acknowledged; rejects if any of it failed. */
  async flush(): Promise<void> {
    while (this.inFlight || this.queued.waiters.length > 0) {
      this.startNext();
      await this.inFlight;
    }
    if (this.failure) throw this.failure;
  }

  private enqueue(topic: string, partition: number | undefined, messages: readonly Message[]): Promise<number | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    if (messages.length === 0) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const list = this.queued.messages.get(topic);
      if (list) list.push(...messages);
      else this.queued.messages.set(topic, [...messages]);
      this.queued.waiters.push({ topic, partition, count: messages.length, resolve, reject });
      this.startNext();
    });
  }

  private startNext(): void {
    if (this.inFlight || this.queued.waiters.length === 0) return;
    const batch = this.queued;
    this.queued = { messages: new Map(), waiters: [] };
    const topicMessages: TopicMessages[] = [...batch.messages].map(([topic, messages]) => ({ topic, messages }));
    this.inFlight = this.producer
      .sendBatch({ topicMessages, acks: -1 })
      .then((metadata) => settle(batch.waiters, metadata))
      .catch((error: unknown) => {
        this.failure = new KafkaError(KafkaErrorCode.sendFailed, `a send to Kafka failed: ${describeError(error)}`, {
          cause: error,
          retriable: false,
        });
        for (const waiter of batch.waiters) waiter.reject(this.failure);
      })
      .finally(() => {
        this.inFlight = undefined;
        this.startNext();
      });
  }
}

/**
 * Works out each waiter's last offset: within one request the messages of a partition are
 * written in queue order starting at the partition's base offset.
 */
function settle(waiters: readonly Waiter[], metadata: readonly RecordMetadata[]): void {
  const next = new Map<string, number>();
  for (const entry of metadata) {
    if (entry.baseOffset !== undefined) next.set(`${entry.topicName}\u0000${entry.partition}`, Number(entry.baseOffset));
  }
  for (const waiter of waiters) {
    if (waiter.partition === undefined) {
      waiter.resolve(undefined);
      continue;
    }
    const id = `${waiter.topic}\u0000${waiter.partition}`;
    const first = next.get(id);
    if (first === undefined) {
      waiter.reject(new KafkaError(KafkaErrorCode.sendFailed, `Kafka acknowledged no offset for ${waiter.topic}[${waiter.partition}]`));
      continue;
    }
    next.set(id, first + waiter.count);
    waiter.resolve(first + waiter.count - 1);
  }
}
