import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import type { Ssp } from '../../../shared/api/task.js';
import { describeError, SluiceError } from '../../../shared/errors.js';
import { BATCHING_PRODUCER_CONFIG, BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import { createKafka, kafkaPrincipal } from '../../../shared/kafka/client.js';
import { kafkaRefusal, namingRefusals } from '../../../shared/kafka/errors.js';
import { evictPredecessors } from '../../../shared/kafka/evict-predecessors.js';
import { ownedPartitionsAssigner, type MemberClaim } from '../../../shared/kafka/owned-partitions-assigner.js';
import { ensureTopic, partitionCount, whileTopicIsNew, type TopicSpec } from '../../../shared/kafka/topics.js';
import type { Logger } from '../../../shared/log.js';
import { sspKey } from '../../../shared/model/job-model.js';
import { KafkaCheckpointStore } from './kafka-checkpoints.js';
import { GroupMembership } from './group-membership.js';
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
 * The production stream system: inputs through the job's consumer group (an owned-partitions assigner
 * gives each container exactly its partitions), checkpoints as the group's offset commits. At least
 * once, outputs and changelogs go through one batching producer; exactly once, through a
 * transactional producer per task that commits them with the task's offsets.
 */
export class KafkaSystem implements StreamSystem {
  readonly name = 'kafka' as const;
  readonly changelogSource: KafkaChangelogSource;
  readonly checkpoints: KafkaCheckpointStore;
  private readonly membership = new GroupMembership();
  /** Exactly once: every task's writer (its own transactional producer), closed with the system. */
  private readonly taskWriters: TransactionalTaskWriter[] = [];

  private constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    /** At least once: the container's one producer, shared by every task. */
    private readonly shared: { readonly producer: Producer; readonly batching: BatchingProducer; readonly outputs: OutputSink } | undefined,
    private readonly options: KafkaSystemOptions,
  ) {
    this.changelogSource = new KafkaChangelogSource(kafka, admin, readerGroupPrefix(options.job));
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
    this.taskWriters.push(writer);
    return writer;
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
      ...this.taskWriters.splice(0).map((writer) => writer.close()),
      this.shared?.producer.disconnect(),
      this.admin.disconnect(),
    ]);
  }
}

/**
 * The input consumer's fetch limits, per partition (a fetch asks for all of a container's
 * partitions at once). kafkajs decodes a whole fetch response into record objects without giving
 * the event loop back, so its size bounds how long the loop (and so heartbeats and commit timers)
 * stands still and how much a fetch holds: at 1 MiB per partition, 8 partitions of short records
 * were ~400k records per fetch, loop stalls of 1–3 s and ~1 GB of RSS (bench/FINDINGS-e2e.md).
 * The broker still returns a record batch larger than this whole, so a big record is never stuck.
 */
export const INPUT_FETCH = { maxBytesPerPartition: 128 * 1024, maxWaitTimeInMs: 500 } as const;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function partitionsOf(ssps: InputRequest['ssps']): Record<string, number[]> {
  const byTopic: Record<string, number[]> = {};
  for (const { ssp } of ssps) (byTopic[ssp.topic] ??= []).push(ssp.partition);
  return byTopic;
}

export function groupId(job: string): string {
  return `sluice-${job}`;
}

/** The prefix of the one-off groups of the job's restores: under the job's own `sluice-<job>-`, so one ACL covers them. */
export function readerGroupPrefix(job: string): string {
  return `sluice-${job}-reader-`;
}

/** The kafkajs clientId of a container's clients (KafkaSystem.connect): names its group members when their claims are not shown. */
export function containerClientId(job: string, containerId: string): string {
  return `sluice-${job}-${containerId}`;
}

/** The container's member of the job's consumer group. */
class KafkaInput implements InputSource {
  private readonly consumer: Consumer;
  /** Per SSP, the next offset to hand to a task: seeked to on every (re)join, so a rebalance neither skips nor repeats. */
  private readonly nextOffset = new Map<string, string>();
  private readonly owned = new Map<string, Ssp>();
  /** What this member tells the group (userData): its container, partitions and their epochs, and when it started. */
  private readonly claim: MemberClaim;
  private paused = false;
  /** Once set, a crashed consumer is not restarted: a closed container must leave the group for good. */
  private closing = false;
  private fail: (error: Error) => void = () => undefined;
  readonly failed = new Promise<Error>((resolve) => (this.fail = resolve));

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaSystemOptions,
    private readonly request: InputRequest,
    private readonly membership: GroupMembership,
  ) {
    for (const { ssp, start } of request.ssps) {
      this.nextOffset.set(sspKey(ssp), start);
      this.owned.set(`${ssp.topic}\u0000${ssp.partition}`, ssp);
    }
    this.claim = {
      container: options.containerId,
      partitions: partitionsOf(request.ssps),
      epochs: Object.fromEntries(request.ssps.map(({ ssp, epoch }) => [`${ssp.topic}/${ssp.partition}`, String(epoch)])),
      startedAt: Date.now(),
    };
    this.consumer = kafka.consumer({
      groupId: groupId(options.job),
      partitionAssigners: [
        ownedPartitionsAssigner(this.claim, (member, why) =>
          options.logger.warn('a group member does not get all the partitions it claims', { member, why }),
        ),
      ],
      allowAutoTopicCreation: false,
      retry: { restartOnFailure: async () => !this.closing },
      sessionTimeout: options.sessionTimeoutMs,
      // Members learn of a rebalance only from a heartbeat, and every member waits for the last
      // one to rejoin: at 3 s (kafkajs's default) a restarted container's join took 2–3 s; at 1 s
      // it costs one small request per second per container.
      heartbeatInterval: Math.min(1000, Math.floor(options.sessionTimeoutMs / 3)),
      ...INPUT_FETCH,
    });
  }

  /** The topics the consumer reads, as one resource for a refusal's message. */
  private inputTopicsAttempt(): { name: string; operation: 'READ' } {
    return { name: [...new Set(this.request.ssps.map(({ ssp }) => ssp.topic))].join(' or '), operation: 'READ' };
  }

  async start(): Promise<void> {
    const { consumer, options } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // Runs before the first fetch of the new generation, so these seeks decide where it starts.
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const ssp = this.owned.get(`${topic}\u0000${partition}`);
          if (ssp) consumer.seek({ topic, partition, offset: this.nextOffset.get(sspKey(ssp)) as string });
        }
      }
      if (this.paused) consumer.pause(this.topics());
      options.logger.info('joined the consumer group', {
        group: payload.groupId,
        leader: payload.isLeader,
        partitions: Object.values(payload.memberAssignment).flat().length,
      });
      this.membership.onJoin(consumer, payload.memberAssignment);
    });
    consumer.on(consumer.events.FETCH_START, () => this.membership.onFetchStart());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.membership.onCrash();
      if (!payload.restart) {
        const refusal = kafkaRefusal(
          payload.error,
          { group: { name: groupId(options.job), operation: 'READ' }, topic: this.inputTopicsAttempt() },
          kafkaPrincipal(this.kafka),
        );
        const failure =
          refusal ??
          new SluiceError('KAFKA_INPUT_FAILED', `the Kafka consumer stopped: ${describeError(payload.error)}`, { cause: payload.error });
        // A last commit that waits for the consumer to join again would wait for ever.
        this.membership.onStop(failure);
        this.fail(failure);
      }
    });
    // A dead earlier process of this container would hold up the join (and the whole group) until its session ends.
    await evictPredecessors(
      this.kafka,
      groupId(options.job),
      { container: options.containerId, startedAt: this.claim.startedAt, clientId: containerClientId(options.job, options.containerId) },
      options.logger,
    );
    await namingRefusals(
      { group: { name: groupId(options.job), operation: 'READ' }, topic: this.inputTopicsAttempt() },
      kafkaPrincipal(this.kafka),
      async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: [...new Set(this.request.ssps.map(({ ssp }) => ssp.topic))] });
      },
    );
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: Math.min(8, Math.max(1, this.request.ssps.length)),
      eachBatch: async ({ batch, heartbeat, isStale }) => {
        const ssp = this.owned.get(`${batch.topic}\u0000${batch.partition}`);
        if (!ssp || this.paused || isStale()) return;
        const key = sspKey(ssp);
        const next = BigInt(this.nextOffset.get(key) as string);
        // A batch fetched before a rebalance may arrive after it (kafkajs #1197): never deliver twice.
        // Offsets ascend within a batch, so only its head can be behind (one BigInt per batch, not per message).
        let from = 0;
        while (from < batch.messages.length && BigInt((batch.messages[from] as { offset: string }).offset) < next) from++;
        const messages = batch.messages.slice(from).map((message) => ({
          key: message.key ?? null,
          value: message.value ?? null,
          offset: message.offset,
          timestamp: Number(message.timestamp),
        }));
        if (messages.length === 0) return;
        this.nextOffset.set(key, String(BigInt((messages[messages.length - 1] as { offset: string }).offset) + 1n));
        this.request.onMessages(ssp, messages, batch.highWatermark);
        // Heartbeats go only from this loop: keep them going while a busy task holds us back, and
        // give the loop back at once when the group rebalances (the messages are queued already).
        const room = this.request.roomFor(ssp).then(() => true);
        while (!(await Promise.race([room, sleep(1000).then(() => false)]))) {
          try {
            await heartbeat();
          } catch {
            return;
          }
        }
      },
    });
  }

  pause(): void {
    this.paused = true;
    try {
      this.consumer.pause(this.topics());
    } catch {
      // kafkajs refuses while its consumer restarts after a crash ("consumer#run must be called
      // first"); the next GROUP_JOIN pauses it, and no batch is delivered while `paused` meanwhile.
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.membership.onStop(
      new SluiceError('KAFKA_INPUT_CLOSED', 'the container closed its Kafka consumer: no checkpoint is committed through it any more'),
    );
    this.pause();
    await this.consumer.disconnect();
  }

  private topics(): { topic: string }[] {
    return [...new Set(this.request.ssps.map(({ ssp }) => ssp.topic))].map((topic) => ({ topic }));
  }
}
