import type { Kafka, Producer, Transaction } from 'kafkajs';
import type { Ssp } from '../../../shared/api/task.js';
import { TaskLostError } from '../../../shared/coordination/task-ownership.js';
import { TRANSACTION_TIMEOUT_MS } from '../../../shared/config/job-config.js';
import { describeError } from '../../../shared/errors.js';
import { BatchingProducer, recordingPartitioner } from '../../../shared/kafka/batching-producer.js';
import { kafkaErrorTypes } from '../../../shared/kafka/errors.js';
import { sspKey } from '../../../shared/model/job-model.js';
import type { Checkpoint, CheckpointWriter } from '../../checkpoint/checkpoint.js';
import type { ChangelogPartition, ChangelogSink } from '../../store/changelog.js';
import type { OutgoingMessage, OutputSink, TaskWriter } from '../stream-system.js';
import { checkpointOffsets } from './kafka-checkpoints.js';
import { KafkaChangelogSink } from './kafka-changelog.js';

/**
 * After a commit, the coordinator finishes it (writes its markers) before the next transaction may
 * add a partition, answering CONCURRENT_TRANSACTIONS meanwhile, usually for a few milliseconds: the
 * Java client retries that after 20 ms. Same here, backing off to 10 s: about a minute in all.
 */
const TRANSACTION_RETRY = { retries: 14, initialRetryTime: 20, maxRetryTime: 10_000 };

/** The errors a producer gets once a newer producer with its transactional id was initialised. */
const FENCED = ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'];

/** One transactional id per task: the task's next owner, whichever container it is in, fences this one. */
export function transactionalId(job: string, task: string): string {
  return `sluice-${job}-${task}`;
}

export interface TransactionalTaskWriterOptions {
  readonly job: string;
  readonly task: string;
  readonly ssps: readonly Ssp[];
  /** The consumer group whose offsets are the task's checkpoint. */
  readonly groupId: string;
  /** The task owner's epoch, in a header of every changelog record (restore checks it as in at-least-once mode). */
  readonly epoch: bigint;
}

/**
 * A task's writer in exactly-once mode (Kafka Streams' EOS with a producer per task): its outputs,
 * its changelog records and its checkpoint (input offsets with the checkpoint as their metadata)
 * commit in one Kafka transaction. Opening it initialises the task's transactional id, which
 * fences the task's previous owner: that owner's open transaction is aborted, and its later sends
 * and commits fail, which this writer reports as TaskLostError, so a zombie stops at its next
 * write without retrying and without a final commit.
 */
export class TransactionalTaskWriter implements TaskWriter {
  readonly outputs: OutputSink;
  readonly checkpoints: CheckpointWriter;
  private readonly batching: BatchingProducer;
  private readonly ssps: ReadonlyMap<string, Ssp>;
  private current: Promise<Transaction> | undefined;
  private closed = false;

  private constructor(
    private readonly producer: Producer,
    private readonly options: TransactionalTaskWriterOptions,
  ) {
    this.ssps = new Map(options.ssps.map((ssp) => [sspKey(ssp), ssp]));
    this.batching = new BatchingProducer({
      sendBatch: async (batch) => (await this.transaction()).sendBatch(batch),
    });
    this.outputs = {
      send: (topic: string, messages: readonly OutgoingMessage[]) => {
        // Failures surface from flush(), which every commit awaits.
        this.batching.send(topic, messages).catch(() => undefined);
      },
      flush: () => this.unlessFenced(this.batching.flush()),
    };
    this.checkpoints = { write: (task, checkpoint, owned) => this.commit(task, checkpoint, owned) };
  }

  /** Connects the task's producer and initialises its transactional id, fencing every earlier owner. */
  static async open(kafka: Kafka, options: TransactionalTaskWriterOptions): Promise<TransactionalTaskWriter> {
    const producer = kafka.producer({
      transactionalId: transactionalId(options.job, options.task),
      transactionTimeout: TRANSACTION_TIMEOUT_MS,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: recordingPartitioner,
      allowAutoTopicCreation: false,
      retry: TRANSACTION_RETRY,
    });
    await producer.connect();
    const writer = new TransactionalTaskWriter(producer, options);
    try {
      await writer.unlessFenced(writer.transaction());
    } catch (error) {
      await producer.disconnect();
      throw error;
    }
    return writer;
  }

  changelogSink(target: ChangelogPartition): ChangelogSink {
    return new KafkaChangelogSink(this.batching, target, this.options.epoch);
  }

  /** Idempotent: the container closes its writers when it stops, the system every writer still open when it closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const open = this.current;
    this.current = undefined;
    // A task that stopped without its last commit (it failed) leaves nothing open that holds back
    // read_committed readers; a fenced one's transaction was aborted by its new owner already.
    if (open) await (await open.catch(() => undefined))?.abort().catch(() => undefined);
    await this.producer.disconnect();
  }

  /** The open transaction, begun when first needed (kafkajs initialises the producer on the first). */
  private transaction(): Promise<Transaction> {
    return (this.current ??= this.producer.transaction());
  }

  private async commit(task: string, checkpoint: Checkpoint, owned: () => boolean): Promise<void> {
    const offsets = checkpointOffsets(task, checkpoint, this.ssps);
    await this.unlessFenced(
      (async () => {
        await this.batching.flush();
        if (!owned()) throw new TaskLostError(task, 'its claim lapsed before its checkpoint was committed');
        const transaction = await this.transaction();
        const topics = new Map<string, { partition: number; offset: string; metadata: string }[]>();
        for (const { topic, ...partition } of offsets) {
          const list = topics.get(topic);
          if (list) list.push(partition);
          else topics.set(topic, [partition]);
        }
        await transaction.sendOffsets({
          consumerGroupId: this.options.groupId,
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        });
        await transaction.commit();
        this.current = undefined;
      })(),
    );
  }

  /** A fencing error means a newer owner has the task: the caller must stop, not retry. */
  private async unlessFenced<T>(step: Promise<T>): Promise<T> {
    try {
      return await step;
    } catch (error) {
      const types = kafkaErrorTypes(error);
      if (FENCED.some((type) => types.has(type))) {
        throw new TaskLostError(this.options.task, `a newer owner fenced its Kafka transactions (${describeError(error)})`);
      }
      throw error;
    }
  }
}
