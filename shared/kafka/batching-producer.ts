import {
  Partitioners,
  type ICustomPartitioner,
  type Message,
  type Producer,
  type ProducerConfig,
  type RecordMetadata,
  type TopicMessages,
} from 'kafkajs';
import { describeError } from '../errors.js';
import { KAFKA_RETRY } from './client.js';
import { KafkaError, KafkaErrorCode, kafkaErrorTypes, kafkaRefusal, refusalType } from './errors.js';
import { partitionForKey } from './partitioner.js';

/** What a BatchingProducer sends through: a kafkajs producer, or one of its transactions. */
export type BatchSender = Pick<Producer, 'sendBatch'>;

/** One caller's send: resolved once all of its messages are acknowledged. */
interface Send {
  readonly topic: string;
  /** The explicit partition of every message of this send, when the caller chose one. */
  readonly partition: number | undefined;
  readonly messages: readonly Message[];
  /** Messages of this send already handed to a request. */
  taken: number;
  /** Messages acknowledged so far. */
  acked: number;
  lastOffset: number | undefined;
  resolve(lastOffset: number | undefined): void;
  reject(error: Error): void;
}

/** A piece of a send that went into one request. */
interface Piece {
  readonly send: Send;
  readonly messages: readonly Message[];
}

/** The partition kafkajs's partitioner chose for each message sent without one. */
const chosenPartitions = new WeakMap<Message, number>();

/**
 * kafkajs's default partitioner, remembering each choice so that settle() can check that the
 * partition every message went to was acknowledged. A keyed message's partition is computed by
 * partitionForKey, the same choice without kafkajs's BigInt murmur2 and its per-message filtering
 * of the partitions; kafkajs picks the others (an explicit partition, round-robin for keyless ones).
 */
export const recordingPartitioner: ICustomPartitioner = () => {
  const choose = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const partition =
      message.key === null || message.key === undefined ? choose(args) : partitionForKey(partitionMetadata.length, message.key);
    chosenPartitions.set(message, partition);
    return partition;
  };
};

/**
 * The kafkajs producer a BatchingProducer sends through: its partitioner records the partitions
 * settle() checks. Idempotent: a retried request that the
 * broker had written already is not written twice, and a retry cannot reorder a partition's
 * records. That needs acks=-1 (every send uses it) and at most one request in flight per broker,
 * which the BatchingProducer's single request in flight gives. kafkajs retries an idempotent
 * producer's sends forever by default; Sluice keeps the client's bounded retries (kafkajs then logs
 * a warning): a send that fails for good fails the BatchingProducer for good, the container
 * restarts with a new producer id, and no later send can reuse the failed one's sequence numbers.
 */
export const BATCHING_PRODUCER_CONFIG: ProducerConfig = {
  allowAutoTopicCreation: false,
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: recordingPartitioner,
  retry: KAFKA_RETRY,
};

/**
 * Kafka refuses a partition's record batch over the topic's max.message.bytes (1 MiB by default):
 * requests stay under it however much is queued. (kafkajs's grouping of a request's messages,
 * quadratic in their number as shipped, is made linear at install by scripts/patch-kafkajs.mjs;
 * bigger requests measured no faster.)
 */
const MAX_MESSAGES_PER_REQUEST = 2000;
const MAX_BYTES_PER_REQUEST = 768 * 1024;

/**
 * Sends everything a container produces (outputs and changelogs) through one kafkajs producer
 * (created with BATCHING_PRODUCER_CONFIG), with at most one request in flight: messages queued
 * while a request is out go in the next (kafkajs has no linger), in queue order, so every
 * partition keeps its order.
 */
export class BatchingProducer {
  private readonly queue: Send[] = [];
  private inFlight: Promise<void> | undefined;
  private failure: Error | undefined;
  /** The completion of the send queued last: flush() waits for it. */
  private newest: Promise<number | undefined> | undefined;

  constructor(
    private readonly producer: BatchSender,
    /** Whom the broker sees (client.ts's kafkaPrincipal), named when it refuses a write. */
    private readonly principal = 'this client',
  ) {}

  /** Queues messages; resolves when Kafka acknowledged them. */
  send(topic: string, messages: readonly Message[]): Promise<void> {
    return this.enqueue(topic, undefined, messages).then(() => undefined);
  }

  /** Queues records (key and value) for one partition, each with `headers`; resolves with the offset of the last one once acknowledged. */
  sendToPartition(topic: string, partition: number, messages: readonly Message[], headers?: Message['headers']): Promise<number> {
    // One copy of each message (the partition, and the headers all of them share, go in at once): changelog writes are a hot path.
    const placed = messages.map(({ key, value }) => ({ key, value, partition, headers }));
    return this.enqueue(topic, partition, placed).then((offset) => offset as number);
  }

  /**
   * Resolves when everything queued so far is acknowledged; rejects if any of it failed. Sends
   * complete in queue order (one request at a time), so this waits for the newest send queued
   * before the call, never for later ones: a commit's flush must not chase the sends other tasks
   * keep queueing into the shared producer (it could wait for as long as they are busy).
   */
  async flush(): Promise<void> {
    await this.newest?.catch(() => undefined);
    if (this.failure) throw this.failure;
  }

  private enqueue(topic: string, partition: number | undefined, messages: readonly Message[]): Promise<number | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    if (messages.length === 0) return Promise.resolve(undefined);
    const done = new Promise<number | undefined>((resolve, reject) => {
      this.queue.push({ topic, partition, messages, taken: 0, acked: 0, lastOffset: undefined, resolve, reject });
    });
    this.newest = done;
    this.startNext();
    return done;
  }

  private startNext(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const pieces = this.takeRequest();
    const byTopic = new Map<string, Message[]>();
    for (const { send, messages } of pieces) {
      const list = byTopic.get(send.topic);
      if (list) list.push(...messages);
      else byTopic.set(send.topic, [...messages]);
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    this.inFlight = this.producer
      .sendBatch({ topicMessages, acks: -1 })
      .then((metadata) => settle(pieces, metadata))
      .catch(async (error: unknown) => {
        this.failure =
          (await this.refusal(error, topicMessages)) ??
          new KafkaError(KafkaErrorCode.sendFailed, `a send to Kafka failed: ${describeError(error)}`, {
            cause: error,
            retriable: false,
          });
        const failed = new Set(pieces.map((piece) => piece.send));
        for (const send of [...failed, ...this.queue.splice(0)]) send.reject(this.failure);
      })
      .finally(() => {
        this.inFlight = undefined;
        this.startNext();
      });
  }

  /**
   * A refused request as an error naming what was refused. Kafka refuses a request's partitions of
   * a topic the principal may not write (with a transaction, the other topics' as not attempted) and
   * kafkajs reports the first error alone: with several topics in the request each is sent alone to
   * find the refused one. The producer has failed for good anyway; at least once, the other topics'
   * records may then be written twice, as after any failed send, and exactly once the task's
   * transaction is aborted.
   */
  private async refusal(error: unknown, topicMessages: readonly TopicMessages[]): Promise<KafkaError | undefined> {
    const notAttempted = kafkaErrorTypes(error).has('OPERATION_NOT_ATTEMPTED');
    if (refusalType(error) !== 'TOPIC_AUTHORIZATION_FAILED' && !notAttempted) {
      return kafkaRefusal(error, { cluster: 'IDEMPOTENT_WRITE' }, this.principal);
    }
    const [only] = topicMessages;
    if (topicMessages.length === 1 && only && !notAttempted) {
      return kafkaRefusal(error, { topic: { name: only.topic, operation: 'WRITE' } }, this.principal);
    }
    for (const alone of topicMessages) {
      const refused = await this.producer.sendBatch({ topicMessages: [alone], acks: -1 }).then(
        () => undefined,
        (probe: unknown) => kafkaRefusal(probe, { topic: { name: alone.topic, operation: 'WRITE' } }, this.principal),
      );
      if (refused) return refused;
    }
    return undefined;
  }

  /** Takes messages from the front of the queue up to the request limits, splitting a send if needed. */
  private takeRequest(): Piece[] {
    const pieces: Piece[] = [];
    let messages = 0;
    let bytes = 0;
    while (this.queue.length > 0 && messages < MAX_MESSAGES_PER_REQUEST) {
      const send = this.queue[0] as Send;
      const start = send.taken;
      while (send.taken < send.messages.length && messages < MAX_MESSAGES_PER_REQUEST) {
        const size = sizeOf(send.messages[send.taken] as Message);
        if (bytes + size > MAX_BYTES_PER_REQUEST && messages > 0) break;
        bytes += size;
        messages++;
        send.taken++;
      }
      if (send.taken > start) pieces.push({ send, messages: send.messages.slice(start, send.taken) });
      if (send.taken < send.messages.length) break;
      this.queue.shift();
    }
    return pieces;
  }
}

function sizeOf(message: Message): number {
  const length = (part: Message['key'] | Message['value']) =>
    part === null || part === undefined ? 0 : typeof part === 'string' ? Buffer.byteLength(part) : part.length;
  return length(message.key) + length(message.value) + 70;
}

/**
 * Works out each piece's offsets: within one request the messages of a partition are written in
 * queue order starting at the partition's base offset. Every partition a message went to must have
 * been acknowledged with an offset, or the request failed: kafkajs 2.2.4 as shipped resolved a send
 * without a partition whose leader had moved (kafkajs #1303), and a partition missing from the
 * answer for any other reason must not pass a commit either. Nothing is resolved before all is checked.
 * A send resolves when its last piece is acked.
 */
function settle(pieces: readonly Piece[], metadata: readonly RecordMetadata[]): void {
  // Per topic, per partition: the offset the partition's next message in this request got.
  const next = new Map<string, Map<number, number>>();
  for (const entry of metadata) {
    if (entry.baseOffset === undefined) continue;
    const partitions = next.get(entry.topicName) ?? new Map<number, number>();
    next.set(entry.topicName, partitions.set(entry.partition, Number(entry.baseOffset)));
  }
  const offsetsOf = (topic: string, partition: number | undefined, count: number): number => {
    const offset = partition === undefined ? undefined : next.get(topic)?.get(partition);
    if (partition === undefined || offset === undefined) {
      throw new KafkaError(KafkaErrorCode.sendFailed, `Kafka acknowledged no offset for ${topic}[${partition ?? 'unknown partition'}]`);
    }
    next.get(topic)?.set(partition, offset + count);
    return offset + count - 1;
  };
  const lastOffsets = pieces.map(({ send, messages }) => {
    // A send to one partition (changelogs) takes its offsets at once; others message by message.
    if (send.partition !== undefined) return offsetsOf(send.topic, send.partition, messages.length);
    let last = -1;
    for (const message of messages) last = offsetsOf(send.topic, message.partition ?? chosenPartitions.get(message), 1);
    return last;
  });
  pieces.forEach(({ send, messages }, index) => {
    if (send.partition !== undefined) send.lastOffset = lastOffsets[index];
    send.acked += messages.length;
    if (send.acked === send.messages.length) send.resolve(send.lastOffset);
  });
}
