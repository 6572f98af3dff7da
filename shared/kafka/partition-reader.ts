import { randomUUID } from 'node:crypto';
import { AssignerProtocol, type Admin, type IHeaders, type Kafka, type PartitionAssigner } from 'kafkajs';
import { describeError } from '../errors.js';
import { KafkaError, KafkaErrorCode } from './errors.js';

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

/** Retriable crashes a read survives (each after kafkajs's own retries): a coordinator loading takes one or two. */
const MAX_RESTARTS = 5;

export interface ReadOptions {
  /** Partitions read at the same time (each with its own `onRecords` calls in order). */
  readonly concurrency?: number;
  readonly maxBytesPerPartition?: number;
  /** The one-off group's name before its random part: a job's readers stay among the groups its ACLs allow it. */
  readonly groupPrefix?: string;
}

/**
 * Reads exact offset ranges of partitions, for restores. kafkajs has no `assign()`, so this joins
 * a one-off consumer group whose assigner hands its only member exactly the requested partitions,
 * seeks them when it joins (the join event comes before the first fetch, so none starts from the
 * wrong place; kafkajs's admin.setOffsets would cost a 5 s wait per topic), and deletes the group.
 */
export async function readPartitions(
  kafka: Kafka,
  admin: Admin,
  requests: readonly PartitionReadRequest[],
  onRecords: (request: PartitionReadRequest, records: readonly ReadRecord[]) => Promise<void>,
  options: ReadOptions = {},
): Promise<void> {
  const pending = new Map<string, PartitionReadRequest>();
  for (const request of requests) if (request.to >= request.from) pending.set(id(request.topic, request.partition), request);
  if (pending.size === 0) return;

  // Where each partition goes on: seeked to on every (re)join, so a rebalance repeats nothing.
  const next = new Map([...pending].map(([key, request]) => [key, request.from]));
  const groupId = `${options.groupPrefix ?? 'sluice-reader-'}${randomUUID()}`;
  const topics = [...new Set([...pending.values()].map((request) => request.topic))];
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [exactly([...pending.values()])],
    maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const [key, request] of pending)
          consumer.seek({ topic: request.topic, partition: request.partition, offset: String(next.get(key)) });
      });
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const request = pending.get(id(payload.topic, payload.partition));
        if (request && Number(payload.lastOffset) >= request.to) {
          pending.delete(id(payload.topic, payload.partition));
          consumer.pause([{ topic: payload.topic, partitions: [payload.partition] }]);
          if (pending.size === 0) resolve();
        }
      });
      const fail = (error: unknown): void =>
        reject(
          new KafkaError(KafkaErrorCode.readFailed, `reading ${describeRequests(requests)} failed: ${describeError(error)}`, {
            cause: error,
          }),
        );
      // A retriable crash (e.g. the group coordinator still loading) restarts the consumer, which
      // rejoins and seeks where it was. kafkajs counts an eachBatch that kept failing as retriable
      // too, so onRecords's own failure fails the read directly (below), never restarts it.
      let restarts = 0;
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        // Bounded: a broker that stays away must fail the restore (the container is then relaunched), not hang it.
        if (!payload.restart || ++restarts > MAX_RESTARTS) fail(payload.error);
      });
      consumer
        .connect()
        .then(() => consumer.subscribe({ topics, fromBeginning: true }))
        .then(() =>
          consumer.run({
            autoCommit: false,
            partitionsConsumedConcurrently: options.concurrency ?? 2,
            eachBatch: async ({ batch, heartbeat }) => {
              const key = id(batch.topic, batch.partition);
              const request = pending.get(key);
              if (!request) return;
              const from = next.get(key) as number;
              const records: ReadRecord[] = [];
              for (const message of batch.messages) {
                const offset = Number(message.offset);
                if (offset < from || offset > request.to) continue;
                records.push({ key: message.key ?? Buffer.alloc(0), value: message.value, offset, headers: message.headers });
              }
              if (records.length === 0) return;
              next.set(key, (records[records.length - 1] as ReadRecord).offset + 1);
              try {
                await onRecords(request, records);
              } catch (error) {
                fail(error);
                throw error;
              }
              await heartbeat();
            },
          }),
        )
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

/** An assigner that gives the group's first member exactly these partitions. */
function exactly(requests: readonly PartitionReadRequest[]): PartitionAssigner {
  const assignment: Record<string, number[]> = {};
  for (const { topic, partition } of requests) (assignment[topic] ??= []).push(partition);
  return () => ({
    name: 'SluiceExactPartitions',
    version: 1,
    protocol: ({ topics }) => ({
      name: 'SluiceExactPartitions',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    }),
    assign: async ({ members }) =>
      members.map((member, index) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: index === 0 ? assignment : {},
          userData: Buffer.alloc(0),
        }),
      })),
  });
}

function id(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function describeRequests(requests: readonly PartitionReadRequest[]): string {
  return requests.map((request) => `${request.topic}[${request.partition}]@${request.from}..${request.to}`).join(', ');
}
