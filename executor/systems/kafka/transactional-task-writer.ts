import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Producer, Transaction } from 'kafkajs';
import type { Ssp } from '../../../shared/api/task.js';
import { TaskLostError } from '../../../shared/coordination/task-ownership.js';
import { TRANSACTION_TIMEOUT_MS } from '../../../shared/config/job-config.js';
import { describeError } from '../../../shared/errors.js';
import { BATCHING_PRODUCER_CONFIG, BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import { kafkaErrorTypes, kafkaRefusal, type KafkaAttempt } from '../../../shared/kafka/errors.js';
import { kafkaPrincipal } from '../../../shared/kafka/client.js';
import type { Logger } from '../../../shared/log.js';
import { sspKey } from '../../../shared/model/job-model.js';
import { untimedStep, type Checkpoint, type CheckpointWriter, type CommitStepTimer } from '../../checkpoint/checkpoint.js';
import type { ChangelogPartition, ChangelogSink } from '../../store/changelog.js';
import type { OutputSink, TaskWriter } from '../stream-system.js';
import { batchingOutputs } from './batching-outputs.js';
import { checkpointOffsets } from './kafka-checkpoints.js';
import { KafkaChangelogSink } from './kafka-changelog.js';

/**
 * After a commit, the coordinator finishes it (writes its markers) before the next transaction may
 * add a partition, answering CONCURRENT_TRANSACTIONS meanwhile, usually for a few milliseconds: the
 * Java client retries that after 20 ms. kafkajs retries it, when adding a partition for a send,
 * with the producer's retry settings: from 20 ms here, backing off to 5 s, about 25 s in all (well
 * within TRANSACTION_TIMEOUT_MS, so a send that gives up is not mistaken for fencing).
 */
const TRANSACTION_RETRY = { retries: 12, initialRetryTime: 20, maxRetryTime: 5000 };

/**
 * kafkajs does not retry adding the group's offsets to a transaction (AddOffsetsToTxn): a commit of
 * a transaction that sent nothing yet meets CONCURRENT_TRANSACTIONS right after the previous
 * commit, and any commit a coordinator that moves. Nor does it retry the offsets' commit
 * (TxnOffsetCommit) when the group coordinator's connection closes or times out, as it does when
 * the broker dies: without a retry here, one broker crash failed the whole container. Both requests
 * are idempotent within the transaction, so these are retried here (kafkajs's names).
 */
const OFFSETS_AGAIN = [
  'CONCURRENT_TRANSACTIONS',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
];
const OFFSETS_ATTEMPTS = 12;

/**
 * The error a producer gets once a newer producer with its transactional id was initialised
 * (kafkajs speaks the request versions to which brokers answer this, not PRODUCER_FENCED).
 */
const FENCED = 'INVALID_PRODUCER_EPOCH';

/** How long closing a writer (abort, disconnect) may take before the stop goes on without it. */
const CLOSE_TIMEOUT_MS = 10_000;

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
  readonly logger: Logger;
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
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly producer: Producer,
    private readonly options: TransactionalTaskWriterOptions,
    /** Whom the broker sees, named when it refuses something. */
    private readonly principal: string,
  ) {
    this.ssps = new Map(options.ssps.map((ssp) => [sspKey(ssp), ssp]));
    this.batching = new BatchingProducer(
      {
        sendBatch: async (batch) => (await this.transaction()).sendBatch(batch),
      },
      principal,
    );
    this.outputs = { ...batchingOutputs(this.batching), flush: () => this.unlessFenced(this.batching.flush()) };
    this.checkpoints = { write: (task, checkpoint, owned, step) => this.commit(task, checkpoint, owned, step) };
  }

  /** Connects the task's producer and initialises its transactional id, fencing every earlier owner. */
  static async open(kafka: Kafka, options: TransactionalTaskWriterOptions): Promise<TransactionalTaskWriter> {
    const producer = kafka.producer({
      ...BATCHING_PRODUCER_CONFIG,
      transactionalId: transactionalId(options.job, options.task),
      transactionTimeout: TRANSACTION_TIMEOUT_MS,
      retry: TRANSACTION_RETRY,
    });
    await producer.connect();
    const writer = new TransactionalTaskWriter(producer, options, kafkaPrincipal(kafka));
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

  /**
   * By the container when the task leaves it (a hand-over), or by the system that opened the writer
   * when it closes; the same close for every call. Bounded: a stop must not hang on a broker that
   * went away (what was left open is aborted by the broker after TRANSACTION_TIMEOUT_MS, or by the
   * task's next owner at once).
   */
  close(): Promise<void> {
    this.closing ??= this.closeInTime();
    return this.closing;
  }

  private async closeInTime(): Promise<void> {
    const closed = this.closeProducer().then(() => true);
    if (!(await Promise.race([closed, sleep(CLOSE_TIMEOUT_MS).then(() => false)]))) {
      this.options.logger.warn("the task's transactional producer did not close in time; going on without it", {
        task: this.options.task,
        timeoutMs: CLOSE_TIMEOUT_MS,
      });
    }
  }

  private async closeProducer(): Promise<void> {
    const open = this.current;
    this.current = undefined;
    // A task that stopped without its last commit (it failed) aborts what it had sent, so it holds
    // back no read_committed reader (a send still in flight first lands, or abort would skip it). A
    // fenced task's transaction was aborted by its new owner already, and one whose EndTxn failed
    // cannot be aborted here: the broker aborts it after TRANSACTION_TIMEOUT_MS, or the task's
    // next owner at once.
    if (open) {
      await this.batching.flush().catch(() => undefined);
      await (await open.catch(() => undefined))?.abort().catch(() => undefined);
    }
    await this.producer.disconnect();
  }

  /** The open transaction, begun when first needed (kafkajs initialises the producer on the first). */
  private transaction(): Promise<Transaction> {
    return (this.current ??= this.producer.transaction());
  }

  /** The checkpoint write: everything sent since the last commit, with the task's offsets, in one transaction. */
  private commit(task: string, checkpoint: Checkpoint, owned: () => boolean, step: CommitStepTimer = untimedStep): Promise<void> {
    return this.unlessFenced(this.commitTransaction(task, checkpoint, owned, step));
  }

  private async commitTransaction(task: string, checkpoint: Checkpoint, owned: () => boolean, step: CommitStepTimer): Promise<void> {
    const offsets = checkpointOffsets(task, checkpoint, this.ssps);
    await step('transaction sends', () => this.batching.flush());
    if (!owned()) throw new TaskLostError(task, 'its claim lapsed before its checkpoint was committed');
    const transaction = await step('transaction begin', () => this.transaction());
    const byTopic = new Map<string, { partition: number; offset: string; metadata: string }[]>();
    for (const { topic, ...partition } of offsets) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    await step('offsets into the transaction', () =>
      this.sendOffsets(transaction, {
        consumerGroupId: this.options.groupId,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      }),
    );
    // EndTxn is retried on a lost connection or a moving coordinator (scripts/patch-kafkajs.mjs);
    // any other failure leaves the transaction neither committed nor abortable here: the task
    // fails, and the restart's InitProducerId completes or aborts it.
    await step('transaction commit', () => transaction.commit());
    this.current = undefined;
  }

  private async sendOffsets(transaction: Transaction, offsets: Parameters<Transaction['sendOffsets']>[0]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await transaction.sendOffsets(offsets);
      } catch (error) {
        const types = kafkaErrorTypes(error);
        if (attempt >= OFFSETS_ATTEMPTS || !OFFSETS_AGAIN.some((type) => types.has(type))) throw error;
        await sleep(Math.min(20 * 2 ** attempt, 5000));
      }
    }
  }

  /**
   * A fencing error means a newer owner has the task: the caller must stop, not retry. A refusal
   * names what was refused (its transactional id, the group its offsets go to; a refused topic is
   * named by the batching producer).
   */
  private async unlessFenced<T>(step: Promise<T>): Promise<T> {
    try {
      return await step;
    } catch (error) {
      const types = kafkaErrorTypes(error);
      if (types.has(FENCED)) {
        throw new TaskLostError(this.options.task, `a newer owner fenced its Kafka transactions (${describeError(error)})`);
      }
      const { job, task, groupId } = this.options;
      const attempt: KafkaAttempt = {
        transactionalId: { name: transactionalId(job, task), operation: 'WRITE' },
        group: { name: groupId, operation: 'READ' },
        cluster: 'IDEMPOTENT_WRITE',
      };
      throw kafkaRefusal(error, attempt, this.principal) ?? error;
    }
  }
}
