import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Ssp } from '../../../shared/api/task.js';
import { describeError, SluiceError } from '../../../shared/errors.js';
import { BATCHING_PRODUCER_CONFIG, BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import { createKafka, kafkaPrincipal } from '../../../shared/kafka/client.js';
import { kafkaRefusal, namingRefusals } from '../../../shared/kafka/errors.js';
import type { MemberClaim } from '../../../shared/kafka/owned-partitions-assigner.js';
import { keyOf, PartitionFetcher, type FetchedBatch } from '../../../shared/kafka/partition-fetcher.js';
import { ensureTopic, partitionCount, whileTopicIsNew, type TopicSpec } from '../../../shared/kafka/topics.js';
import type { Logger } from '../../../shared/log.js';
import { sspKey } from '../../../shared/model/job-model.js';
import { KafkaCheckpointStore } from './kafka-checkpoints.js';
import { GroupMembership } from './group-membership.js';
import { FencingMember } from './fencing-member.js';
import type { ChangelogCompaction } from '../../store/changelog.js';
import { KafkaChangelogSink, KafkaChangelogSource } from './kafka-changelog.js';
import { batchingOutputs } from './batching-outputs.js';
import { settleAll } from '../../../shared/settle-all.js';
import {
  sharedTaskWriter,
  type InputRequest,
  type InputSource,
  type OutputSink,
  type StreamSystem,
  type TaskWriter,
} from '../stream-system.js';
import { TransactionalTaskWriter } from './transactional-task-writer.js';
import type { Guarantee } from '../../../shared/config/job-config.js';
import type { KafkaSecurity } from '../../../shared/config/kafka-config.js';

export interface KafkaSystemOptions {
  readonly brokers: readonly string[];
  readonly job: string;
  readonly containerId: string;
  readonly sessionTimeoutMs: number;
  /** TLS and SASL of every connection (the job config's kafka.tls and kafka.sasl). */
  readonly security?: KafkaSecurity;
  /** Exactly once: a transactional producer per task. At least once: one producer for the container. */
  readonly guarantee: Guarantee;
  readonly logger: Logger;
}

/**
 * The production stream system: inputs through a group-less fetcher of exactly the container's
 * partitions, and a member of the job's consumer group that fetches nothing (an owned-partitions
 * assigner gives each container exactly its partitions, by claim epoch), whose generation fences
 * the checkpoints, the group's offset commits. At least
 * once, outputs and changelogs go through one batching producer; exactly once, through a
 * transactional producer per task that commits them with the task's offsets.
 */
export class KafkaSystem implements StreamSystem {
  readonly name = 'kafka' as const;
  readonly changelogSource: KafkaChangelogSource;
  readonly checkpoints: KafkaCheckpointStore;
  private readonly membership = new GroupMembership();
  /** Exactly once: every task's writer (its own transactional producer), closed with the system. */
  private readonly taskWriters = new Set<TransactionalTaskWriter>();

  private constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    /** At least once: the container's one producer, shared by every task. */
    private readonly shared: { readonly producer: Producer; readonly batching: BatchingProducer; readonly outputs: OutputSink } | undefined,
    private readonly options: KafkaSystemOptions,
  ) {
    this.changelogSource = new KafkaChangelogSource(kafka, admin);
    this.checkpoints = new KafkaCheckpointStore(admin, groupId(options.job), this.membership);
  }

  static async connect(options: KafkaSystemOptions): Promise<KafkaSystem> {
    const kafka = createKafka({
      brokers: options.brokers,
      clientId: containerClientId(options.job, options.containerId),
      logFields: { job: options.job, container: options.containerId },
      security: options.security,
    });
    const admin = kafka.admin();
    const principal = kafkaPrincipal(kafka);
    await namingRefusals({}, principal, () => admin.connect());
    if (options.guarantee === 'exactly-once') return new KafkaSystem(kafka, admin, undefined, options);
    const producer = kafka.producer(BATCHING_PRODUCER_CONFIG);
    await producer.connect();
    const batching = new BatchingProducer(producer, principal);
    return new KafkaSystem(kafka, admin, { producer, batching, outputs: batchingOutputs(batching) }, options);
  }

  async openTaskWriter(task: { readonly name: string; readonly ssps: readonly Ssp[] }, epoch: bigint): Promise<TaskWriter> {
    const { shared } = this;
    if (shared) {
      return sharedTaskWriter(shared.outputs, this.checkpoints, (target) => new KafkaChangelogSink(shared.batching, target, epoch));
    }
    const { job, logger } = this.options;
    const writer = await TransactionalTaskWriter.open(this.kafka, {
      job,
      task: task.name,
      ssps: task.ssps,
      groupId: groupId(job),
      epoch,
      logger,
    });
    this.taskWriters.add(writer);
    // A writer the container closed (its task left in a hand-over) is not the system's to close any more.
    return {
      outputs: writer.outputs,
      checkpoints: writer.checkpoints,
      changelogSink: (target) => writer.changelogSink(target),
      close: async () => {
        this.taskWriters.delete(writer);
        await writer.close();
      },
    };
  }

  async partitionCounts(topics: readonly { topic: string; purpose: string }[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const { topic, purpose } of topics)
      counts.set(topic, await partitionCount(this.admin, topic, purpose, kafkaPrincipal(this.kafka)));
    return counts;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<Map<string, ChangelogCompaction>> {
    const found = new Map<string, ChangelogCompaction>();
    for (const spec of specs) {
      const settings = await ensureTopic(this.admin, spec, kafkaPrincipal(this.kafka));
      if (spec.compacted) found.set(spec.topic, settings);
      // Changelogs (the compacted topics) hold the only durable copy of the state. Kafka Streams
      // recommends replication factor 3 with min.insync.replicas 2: one broker may fail without
      // losing an acknowledged write or stopping the job.
      if (spec.compacted && (settings.replicationFactor < 3 || settings.minInsyncReplicas < 2)) {
        this.options.logger.warn(
          'a changelog survives fewer broker failures than recommended (replication factor 3, min.insync.replicas 2)',
          {
            topic: spec.topic,
            replicationFactor: settings.replicationFactor,
            minInsyncReplicas: settings.minInsyncReplicas,
          },
        );
      }
    }
    return found;
  }

  async resolveStarts(ssps: readonly { ssp: Ssp; reset: 'earliest' | 'latest' }[]): Promise<Map<string, string>> {
    const starts = new Map<string, string>();
    const watermarks = new Map<string, { partition: number; low: string; high: string }[]>();
    for (const { ssp, reset } of ssps) {
      let offsets = watermarks.get(ssp.topic);
      if (!offsets) watermarks.set(ssp.topic, (offsets = await whileTopicIsNew(() => this.admin.fetchTopicOffsets(ssp.topic))));
      const found = offsets.find((entry) => entry.partition === ssp.partition);
      if (!found)
        throw new SluiceError('TOPIC_PARTITION_MISSING', `topic '${ssp.topic}' has no partition ${ssp.partition}`, {
          context: { topic: ssp.topic },
        });
      starts.set(sspKey(ssp), reset === 'earliest' ? found.low : found.high);
    }
    return starts;
  }

  async openInput(request: InputRequest): Promise<InputSource> {
    const input = new KafkaInput(this.kafka, this.options, request, this.membership);
    try {
      await input.start();
    } catch (error) {
      await input.close().catch(() => undefined);
      throw error;
    }
    return input;
  }

  /** Closes every client, each even if another one's close failed (a failed container must leave nothing connected). */
  async close(): Promise<void> {
    await settleAll([
      ...[...this.taskWriters].map((writer) => writer.close()),
      this.shared?.producer.disconnect(),
      this.admin.disconnect(),
    ]);
  }
}

/**
 * The input fetcher's limits, per partition and per response (a fetch asks for all the partitions
 * one broker leads at once). kafkajs decodes a whole fetch response into record objects without
 * giving the event loop back, so its size bounds how long the loop (and so heartbeats and commit
 * timers) stands still and how much a fetch holds: at 1 MiB per partition, 8 partitions of short
 * records were ~400k records per fetch, loop stalls of 1–3 s and ~1 GB of RSS; at 128 KiB per
 * partition and no bound per response, stalls of ~100 ms at the 99th percentile (bench/FINDINGS-e2e.md).
 * The broker still returns a record batch larger than these whole, so a big record is never stuck.
 */
export const INPUT_FETCH = { maxBytesPerPartition: 128 * 1024, maxBytes: 256 * 1024, maxWaitTimeInMs: 500 } as const;

function partitionsOf(ssps: readonly { readonly ssp: Ssp }[]): Record<string, number[]> {
  const byTopic: Record<string, number[]> = {};
  for (const { ssp } of ssps) (byTopic[ssp.topic] ??= []).push(ssp.partition);
  return byTopic;
}

export function groupId(job: string): string {
  return `sluice-${job}`;
}

/** The kafkajs clientId of a container's clients (KafkaSystem.connect): names its group members when their claims are not shown. */
export function containerClientId(job: string, containerId: string): string {
  return `sluice-${job}-${containerId}`;
}

/**
 * The container's input: a PartitionFetcher of exactly its partitions, from where it says, and its
 * fencing member of the job's consumer group (fencing-member.ts), which fetches nothing. Records
 * never wait for the group: a rebalance (a container dies, restarts, or changes its tasks) delays
 * at-least-once commits until this member has rejoined, never a fetch. A hand-over changes the
 * fetched partitions at once; when it gives the container partitions, the member's claim follows
 * by a new member (kafkajs sends a member's metadata only when it joins), a rebalance that delays
 * at-least-once commits, not fetches.
 */
class KafkaInput implements InputSource {
  private fetcher: PartitionFetcher | undefined;
  private member: FencingMember | undefined;
  /** "topic\0partition" → the partition and the epoch of the task claim it is owned under. */
  private readonly owned = new Map<string, { readonly ssp: Ssp; readonly epoch: bigint }>();
  /** The claim the member joined with (claimOf): a claim that grows past it needs a new member. */
  private claimed: ReadonlySet<string> = new Set();
  private closed = false;
  private fail: (error: Error) => void = () => undefined;
  readonly failed = new Promise<Error>((resolve) => (this.fail = resolve));

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaSystemOptions,
    private readonly request: InputRequest,
    private readonly membership: GroupMembership,
  ) {}

  async start(): Promise<void> {
    const fetcher = await PartitionFetcher.open(this.kafka, {
      // kafkajs's consumer reads committed records only by default, in both modes: so does this.
      readCommitted: true,
      ...INPUT_FETCH,
      logger: this.options.logger,
      onBatch: (batch) => this.handOn(batch),
    });
    this.fetcher = fetcher;
    void fetcher.failed.then((error) => {
      const refusal = kafkaRefusal(error, { topic: this.topicsAttempt() }, kafkaPrincipal(this.kafka));
      this.fail(refusal ?? new SluiceError('KAFKA_INPUT_FAILED', `the Kafka input stopped: ${describeError(error)}`, { cause: error }));
    });
    await this.follow(this.request.ssps);
  }

  stopDelivering(ssps: readonly Ssp[]): void {
    for (const ssp of ssps) {
      this.owned.delete(partitionKey(ssp));
      this.fetcher?.remove(ssp.topic, ssp.partition);
    }
  }

  async follow(ssps: InputRequest['ssps']): Promise<void> {
    const fetcher = this.fetcher;
    if (fetcher === undefined || this.closed) return;
    const next = new Map(ssps.map((entry) => [partitionKey(entry.ssp), entry]));
    this.stopDelivering([...this.owned].filter(([key]) => !next.has(key)).map(([, { ssp }]) => ssp));
    for (const [key, { ssp, start, epoch }] of next) {
      if (this.owned.has(key)) continue;
      this.owned.set(key, { ssp, epoch });
      await namingRefusals({ topic: { name: ssp.topic, operation: 'READ' } }, kafkaPrincipal(this.kafka), () =>
        fetcher.add(ssp.topic, ssp.partition, start),
      );
    }
    // Only a claim that grew needs a new member: one that shrank claims partitions the container no
    // longer commits, which their new owners' higher epochs win at the next rebalance anyway.
    if ([...claimOf(this.owned)].some((entry) => !this.claimed.has(entry))) await this.rejoin();
  }

  /** A new member with the container's claim now, in place of the old one (none while it owns no partition). */
  private async rejoin(): Promise<void> {
    const { options } = this;
    const owned = [...this.owned.values()];
    const old = this.member;
    this.claimed = claimOf(this.owned);
    const claim: MemberClaim = {
      container: options.containerId,
      partitions: partitionsOf(owned),
      epochs: Object.fromEntries(owned.map(({ ssp, epoch }) => [`${ssp.topic}/${ssp.partition}`, String(epoch)])),
      startedAt: Date.now(),
    };
    const member =
      owned.length === 0
        ? undefined
        : new FencingMember(
            this.kafka,
            {
              containerId: options.containerId,
              groupId: groupId(options.job),
              clientId: containerClientId(options.job, options.containerId),
              sessionTimeoutMs: options.sessionTimeoutMs,
              logger: options.logger,
            },
            claim,
            owned.map(({ ssp }) => ssp),
            this.membership,
          );
    this.member = member;
    void member?.failed.then((error) => {
      if (this.member === member) this.fail(error);
    });
    await old?.leave('replaced');
    // Not awaited: the first join waits for the group's rebalance (seconds when a dead member is
    // evicted first), and records need no group. At least once, commits wait for the join
    // (GroupMembership); a join that fails (a refusal) fails the input.
    member?.join().catch((error: unknown) => {
      if (this.member === member && !this.closed) this.fail(error instanceof Error ? error : new Error(String(error)));
    });
  }

  /** The topics it reads, as one resource for a refusal's message. */
  private topicsAttempt(): { name: string; operation: 'READ' } {
    return { name: [...new Set([...this.owned.values()].map(({ ssp }) => ssp.topic))].join(' or '), operation: 'READ' };
  }

  private handOn(batch: FetchedBatch): Promise<void> | undefined {
    const ssp = this.owned.get(partitionKey(batch))?.ssp;
    if (!ssp || this.closed || batch.records.length === 0) return undefined;
    this.request.onMessages(
      ssp,
      batch.records.map((record) => ({ key: record.key, value: record.value, offset: record.offset, timestamp: Number(record.timestamp) })),
      batch.highWatermark,
    );
    return this.request.roomFor(ssp);
  }

  pause(): void {
    this.fetcher?.pause();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fetcher?.pause();
    await settleAll([this.fetcher?.close(), this.member?.leave('closing')]);
  }
}

function partitionKey({ topic, partition }: { readonly topic: string; readonly partition: number }): string {
  return keyOf(topic, partition);
}

/** What a member claims, comparable: each partition with its epoch. */
function claimOf(owned: ReadonlyMap<string, { readonly epoch: bigint }>): Set<string> {
  return new Set([...owned].map(([key, { epoch }]) => `${key}@${epoch}`));
}
