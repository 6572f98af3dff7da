import type { KeyValueStore } from '../../shared/api/key-value-store.js';
import type { CompiledJobConfig } from '../../shared/config/job-config.js';
import type { IncomingEnvelope, Ssp, StreamTask, TaskCoordinator } from '../../shared/api/task.js';
import { TaskLostError, type TaskOwnership } from '../../shared/coordination/task-ownership.js';
import { describeError, SluiceError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { sspKey } from '../../shared/model/job-model.js';
import type { ChangelogPosition, Checkpoint, CheckpointWriter } from '../checkpoint/checkpoint.js';
import type { SerdePair } from '../job/job-binding.js';
import type { LocalStore } from '../store/local-store.js';
import type { InputMessage, OutputSink } from '../systems/stream-system.js';
import type { BufferingCollector } from './collector.js';
import { Lifecycle } from './lifecycle.js';
import { TaskActivity, type TaskActivityReport } from './task-activity.js';
import { taskMetrics } from './task-metrics.js';

/** What a task instance needs of the job config's task section. */
export type TaskSettings = CompiledJobConfig['task'];

export interface TaskInstanceOptions {
  readonly name: string;
  readonly ssps: readonly Ssp[];
  readonly task: StreamTask;
  readonly stores: ReadonlyMap<string, LocalStore>;
  readonly inputSerdes: ReadonlyMap<string, SerdePair>;
  readonly collector: BufferingCollector;
  readonly outputs: OutputSink;
  readonly checkpoints: CheckpointWriter;
  /** Whether the task is still this container's, and the epoch its checkpoints carry. */
  readonly ownership: TaskOwnership;
  readonly settings: TaskSettings;
  readonly logger: Logger;
  readonly labels: { job: string; container: string };
  /** Asks the whole container to stop cleanly (TaskCoordinator.shutdown). */
  readonly requestShutdown: () => void;
  /** The job config's `config` section. */
  readonly config: Readonly<Record<string, unknown>>;
}

interface QueuedBatch {
  readonly ssp: Ssp;
  readonly key: string;
  readonly messages: readonly InputMessage[];
  next: number;
}

const HIGH_WATER = 10_000;

/**
 * A task with nothing new since its last commit skips its commits (exactly once, each would be a
 * transaction), but not for longer than this: a checkpoint's age says how recent the state is
 * that it describes (restore compares it with the changelog's compaction lag).
 */
const IDLE_COMMIT_MS = 60_000;

/**
 * One task: its messages in offset order per partition, its stores, and its commits. Work runs
 * in one loop per task, so a commit, a window call and message processing never overlap; tasks
 * progress independently of each other. A task whose `process` returns no promise pays no await.
 */
export class TaskInstance {
  readonly lifecycle: Lifecycle;
  private readonly queue: QueuedBatch[] = [];
  private queued = 0;
  private readonly roomWaiters: (() => void)[] = [];
  private wake: (() => void) | undefined;
  private readonly lastProcessed = new Map<string, string>();
  private readonly ended = new Set<string>();
  /**
   * The first turn of the loop commits before any message: a task that had no checkpoint gets one
   * at its start positions (so a crash before its first real commit resumes there, with the state
   * restore left), and a restore's trim is checkpointed at once (so its OFFSET file is not ahead).
   */
  private commitRequested = true;
  /** Something was processed (or a window or end-of-stream call ran) since the last commit. */
  private changed = true;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private windowDue = false;
  private stopRequested = false;
  /** Stop without the final commit: the task's claim is gone and another container may own it now. */
  private abandoned = false;
  /** Rejects when the task is abandoned: a commit under way races it, so it never waits on a send to finish first. */
  private readonly abandonment: Promise<never>;
  private rejectAbandonment: (error: Error) => void = () => undefined;
  private endOfStreamCalled = false;
  private skippedSinceCommit = 0;
  private lastYield = 0;
  /** When the next commit is due (performance.now() ms): checked while processing, where timers cannot fire. */
  private commitDueAt = Number.POSITIVE_INFINITY;
  /** Wakes an idle loop when the next commit is due; set by every commit. */
  private commitTimer: NodeJS.Timeout | undefined;
  private windowTimer: NodeJS.Timeout | undefined;
  private readonly coordinator: TaskCoordinator;
  private readonly metrics: ReturnType<typeof taskMetrics>;
  /** Settles when the loop has finished: stopped, ended, or failed. */
  done: Promise<void> = Promise.resolve();
  /** Messages processed so far (for status reports). */
  processedCount = 0;
  private readonly activity = new TaskActivity();
  /** Per partition, messages behind its end as of the last fetched batch. */
  private readonly lagBySsp = new Map<string, number>();

  constructor(
    private readonly options: TaskInstanceOptions,
    /** Where each SSP resumes (the checkpoint's next offsets). */
    private readonly startPositions: ReadonlyMap<string, string>,
  ) {
    this.lifecycle = new Lifecycle(options.name);
    this.coordinator = {
      commit: () => void (this.commitRequested = true),
      shutdown: () => options.requestShutdown(),
    };
    this.metrics = taskMetrics({ ...options.labels, task: options.name });
    this.abandonment = new Promise<never>((_, reject) => (this.rejectAbandonment = reject));
    this.abandonment.catch(() => undefined);
  }

  get name(): string {
    return this.options.name;
  }

  /** The task's stores by name (interactive queries read them as the task does). */
  get stores(): ReadonlyMap<string, LocalStore> {
    return this.options.stores;
  }

  /** Stores restored (by the container); runs the task's init and starts the loop. */
  async start(): Promise<void> {
    this.lifecycle.moveTo('initializing');
    const { task, stores, logger, name } = this.options;
    await task.init?.({
      taskName: name,
      ssps: this.options.ssps,
      config: this.options.config,
      logger,
      getStore: <K, V>(store: string) => {
        const found = stores.get(store);
        if (!found) {
          throw new SluiceError('STORE_UNKNOWN', `task '${name}' asked for store '${store}', which is not in the job config's stores`, {
            context: { task: name, store },
          });
        }
        return found.api as KeyValueStore<K, V>;
      },
    });
    this.lifecycle.moveTo('running');
    const { windowMs } = this.options.settings;
    if (windowMs) this.windowTimer = setInterval(() => this.poke('window'), windowMs);
    this.done = this.loop();
    this.done.catch(() => undefined);
  }

  /** Queues a batch of one of the task's partitions. */
  enqueue(ssp: Ssp, messages: readonly InputMessage[]): void {
    if (messages.length === 0) return;
    this.queue.push({ ssp, key: sspKey(ssp), messages, next: 0 });
    this.queued += messages.length;
    this.wake?.();
  }

  /** Resolves when the queue is below its high-water mark (back-pressure on the fetcher). */
  async room(): Promise<void> {
    while (this.queued > HIGH_WATER && !this.stopRequested) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Bounded inputs: no more messages will come for this partition. */
  endOfInput(ssp: Ssp): void {
    this.ended.add(sspKey(ssp));
    this.wake?.();
  }

  /** True when nothing is queued: the embedded runner's quiescence check. */
  get idle(): boolean {
    return this.queued === 0;
  }

  /** Stops after the current message, commits what was processed and closes the task. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.wake?.();
    this.releaseRoom();
    await this.done;
  }

  /**
   * Stops after the current message WITHOUT committing or closing the task: what was processed
   * since the last commit is dropped (its staged store writes never reach the engine) and will be
   * processed again by the task's next owner, from the last checkpoint. Pre-emptive: a commit
   * under way (a clean stop's final one included) stops before its checkpoint.
   */
  async abandon(): Promise<void> {
    this.abandonNow();
    await this.stop();
  }

  /** The part of `abandon` that does not wait: no checkpoint is written from now on. */
  abandonNow(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.rejectAbandonment(new TaskLostError(this.name, 'its container abandoned it'));
    this.stopRequested = true;
    this.wake?.();
    this.releaseRoom();
  }

  /** What the task is doing now and for how long, with its commit's steps (a stop that does not end names its step). */
  get doing(): TaskActivityReport {
    return this.activity.report();
  }

  /** Lag per partition from the last batch's high watermark (for metrics and the dashboard). */
  observeHighWatermark(ssp: Ssp, highWatermark: string | undefined, lastOffset: string): void {
    if (highWatermark === undefined) return;
    const lag = Math.max(0, Number(highWatermark) - Number(lastOffset) - 1);
    this.metrics.lag(ssp, lag);
    this.lagBySsp.set(sspKey(ssp), lag);
  }

  /** Messages behind the ends of its partitions (as of their last batches); null before any batch. */
  get lag(): number | null {
    if (this.lagBySsp.size === 0) return null;
    let sum = 0;
    for (const lag of this.lagBySsp.values()) sum += lag;
    return sum;
  }

  private poke(what: 'commit' | 'window'): void {
    if (what === 'commit') this.commitRequested = true;
    else this.windowDue = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopRequested) {
        if (this.commitRequested || this.pendingBytes() > this.options.settings.maxUncommittedBytes) await this.commit();
        if (this.windowDue) await this.window();
        const batch = this.queue[0];
        if (batch) {
          this.assertOwned();
          this.activity.enter('processing');
          await this.processBatch(batch);
          await this.yieldNowAndThen();
          continue;
        }
        if (this.allInputsEnded()) {
          await this.endOfStream();
          break;
        }
        // A stop, a due commit or a due window that came while the loop was busy (in a commit that
        // outlasted commit-ms, say) woke no one: serve it now instead of waiting for a wake-up
        // that already happened. Every other wake-up leaves a batch or an ended input, checked above.
        if (this.stopRequested || this.commitRequested || this.windowDue) continue;
        this.activity.enter('idle');
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
      this.lifecycle.moveTo('stopping');
      if (!this.abandoned) {
        await this.commit();
        await this.activity.time('task close', async () => this.options.task.close?.());
      }
      this.lifecycle.moveTo('closed');
    } catch (error) {
      this.lifecycle.moveTo('failed');
      if (!this.abandoned) throw error;
      // Abandoned: nothing of this task is kept, so how its last step ended does not matter.
      this.lifecycle.moveTo('closed');
    } finally {
      clearTimeout(this.commitTimer);
      clearInterval(this.windowTimer);
      this.releaseRoom();
    }
  }

  private async processBatch(batch: QueuedBatch): Promise<void> {
    const { task, collector } = this.options;
    const serdes = this.options.inputSerdes.get(batch.ssp.topic) as SerdePair;
    const started = performance.now();
    const first = batch.next;
    try {
      while (
        batch.next < batch.messages.length &&
        !this.commitRequested &&
        !this.windowDue &&
        !this.stopRequested &&
        !this.pauseDue(batch.next - first)
      ) {
        const message = batch.messages[batch.next] as InputMessage;
        let envelope: IncomingEnvelope | undefined;
        try {
          envelope = {
            ssp: batch.ssp,
            key: message.key === null ? null : serdes.key.fromBytes(message.key),
            value: message.value === null ? null : serdes.value.fromBytes(message.value),
            offset: message.offset,
            timestamp: message.timestamp,
          };
        } catch (error) {
          await this.failed(error, batch, message, 'deserialize');
        }
        if (envelope) {
          try {
            const result = task.process(envelope, collector, this.coordinator);
            if (result) await result;
          } catch (error) {
            await this.failed(error, batch, message, 'process');
          }
        }
        batch.next++;
      }
    } finally {
      // The position is recorded once per batch, not per message; a failure stops before its message.
      if (batch.next > first) {
        this.lastProcessed.set(batch.key, (batch.messages[batch.next - 1] as InputMessage).offset);
        this.changed = true;
      }
    }
    const processed = batch.next - first;
    if (processed > 0) this.metrics.processed(processed, (performance.now() - started) / 1000 / processed);
    this.processedCount += processed;
    collector.drain();
    if (batch.next >= batch.messages.length) {
      this.queue.shift();
      this.queued -= batch.messages.length;
      if (this.queued <= HIGH_WATER / 2) this.releaseRoom();
    }
  }

  private async failed(error: unknown, batch: QueuedBatch, message: InputMessage, stage: 'deserialize' | 'process'): Promise<void> {
    const where = `${batch.ssp.topic}[${batch.ssp.partition}]@${message.offset}`;
    const problem = stage === 'deserialize' ? 'could not deserialize' : 'failed on';
    const { onError, deadLetterTopic } = this.options.settings;
    if (onError === 'fail') {
      throw new SluiceError('TASK_FAILED', `task '${this.name}' ${problem} message ${where}: ${describeError(error)}`, {
        cause: error,
        context: { task: this.name, topic: batch.ssp.topic, partition: batch.ssp.partition, offset: message.offset },
      });
    }
    this.metrics.failed(onError, stage);
    if (this.skippedSinceCommit++ === 0) {
      this.options.logger.warn(`task ${problem} a message; ${onError === 'skip' ? 'skipping' : 'sending to the dead-letter topic'}`, {
        message: where,
        error: describeError(error),
      });
    }
    if (onError === 'dead-letter') {
      this.options.collector.sendRaw(deadLetterTopic as string, {
        key: message.key,
        value: message.value,
        headers: {
          'sluice-error': describeError(error).slice(0, 1000),
          'sluice-stage': stage,
          'sluice-source': where,
          'sluice-task': this.name,
        },
      });
    }
  }

  /**
   * The commit protocol: capture positions → flush store caches (their changelog records go out)
   * → await every send (outputs and changelogs) and note each changelog's acknowledged offset →
   * write the checkpoint → apply the staged writes to the engines and record those offsets beside
   * them. So a checkpoint never covers a message whose effects Kafka has not acknowledged, and a
   * local DB is never ahead of the checkpoint: a crash before or during the apply costs a replay
   * of one commit's changelog records, not a rebuild.
   */
  private async commit(): Promise<void> {
    this.commitRequested = false;
    this.scheduleNextCommit();
    if (!this.changed && performance.now() - this.lastCommitAt < IDLE_COMMIT_MS) return;
    this.changed = false;
    const started = performance.now();
    const final = this.stopRequested;
    const { activity } = this;
    activity.beginCommit();
    const inputs: Record<string, string> = {};
    for (const [key, offset] of this.startPositions) inputs[key] = offset;
    for (const [key, offset] of this.lastProcessed) inputs[key] = String(Number(offset) + 1);
    this.options.collector.drainForCommit();
    this.assertOwned();
    const { stores } = this.options;
    for (const [name, store] of stores) await this.unlessAbandoned(activity.time(`store cache flush (${name})`, () => store.flushCache()));
    await this.unlessAbandoned(activity.time('output and changelog sends', () => this.options.outputs.flush()));
    const changelogs: Record<string, ChangelogPosition> = {};
    for (const [name, store] of stores) {
      changelogs[name] = await this.unlessAbandoned(activity.time(`changelog acknowledgements (${name})`, () => store.changelogAcked()));
    }
    const checkpoint: Checkpoint = { inputs, changelogs, epoch: this.options.ownership.epoch(this.name), writtenAt: Date.now() };
    this.assertOwned();
    await this.unlessAbandoned(
      activity.time('checkpoint write', () => this.options.checkpoints.write(this.name, checkpoint, () => this.owned(), activity.time)),
    );
    for (const [name, store] of stores) await activity.time(`engine apply and OFFSET file (${name})`, () => store.applyCommit());
    this.lastCommitAt = performance.now();
    this.metrics.committed((performance.now() - started) / 1000);
    this.options.logger.debug('task committed', {
      final,
      ms: Math.round(performance.now() - started),
      steps: activity.report().commitSteps,
    });
    if (this.skippedSinceCommit > 1) {
      this.options.logger.warn('messages were skipped since the last commit', { count: this.skippedSinceCommit });
    }
    this.skippedSinceCommit = 0;
  }

  /** A task that is no longer ours must not write: not a checkpoint, and (as far as it knows) not a record. */
  private assertOwned(): void {
    if (!this.owned()) throw new TaskLostError(this.name, this.abandoned ? 'its container abandoned it' : 'its claim lapsed');
  }

  private owned(): boolean {
    return !this.abandoned && this.options.ownership.holds(this.name);
  }

  private unlessAbandoned<T>(step: Promise<T>): Promise<T> {
    return Promise.race([step, this.abandonment]);
  }

  private async window(): Promise<void> {
    this.activity.enter('window');
    this.windowDue = false;
    this.changed = true;
    await this.options.task.window?.(this.options.collector, this.coordinator);
    this.options.collector.drain();
  }

  private allInputsEnded(): boolean {
    return this.options.ssps.length > 0 && this.options.ssps.every((ssp) => this.ended.has(sspKey(ssp)));
  }

  private async endOfStream(): Promise<void> {
    if (this.endOfStreamCalled) return;
    this.endOfStreamCalled = true;
    this.activity.enter('end of stream');
    this.changed = true;
    await this.options.task.endOfStream?.(this.options.collector, this.coordinator);
    this.options.collector.drain();
  }

  /** The next commit is due one interval after this one began, whether the loop is busy (pauseDue) or idle (the timer). */
  private scheduleNextCommit(): void {
    const { commitMs } = this.options.settings;
    this.commitDueAt = performance.now() + commitMs;
    clearTimeout(this.commitTimer);
    this.commitTimer = setTimeout(() => this.poke('commit'), commitMs);
  }

  /**
   * Whether to stop processing a batch for now, checked every 64 messages: a `process` that never
   * really awaits keeps the event loop from turning, so neither the commit timer nor anything else
   * gets to run until the batch (up to a fetch's worth of messages) is done. Here the commit
   * deadline is checked directly, and the loop leaves every 10 ms to yield (the batch stays queued).
   */
  private pauseDue(processed: number): boolean {
    if (processed === 0 || processed % 64 !== 0) return false;
    const now = performance.now();
    if (now >= this.commitDueAt) this.commitRequested = true;
    return this.commitRequested || now - this.lastYield >= 10;
  }

  /**
   * A task whose `process` never really awaits runs on resolved promises only, which starves
   * timers and sockets (heartbeats, fetches, the commit timer): give them a turn every 10 ms.
   */
  private async yieldNowAndThen(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield < 10) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }

  private pendingBytes(): number {
    let total = this.options.collector.pendingBytes;
    for (const store of this.options.stores.values()) total += store.pendingBytes;
    return total;
  }

  private releaseRoom(): void {
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }
}
