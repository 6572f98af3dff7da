import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { TaskModel } from '../../shared/model/job-model.js';
import { STORE_DEFAULTS, type CompiledJobConfig } from '../../shared/config/job-config.js';
import type { CheckpointStore } from '../checkpoint/checkpoint.js';
import type { ChangelogCompaction, ChangelogSource } from '../store/changelog.js';
import { createEngine } from '../store/engines/create-engine.js';
import { MAX_WRITER_EPOCHS } from '../store/restore-plan.js';
import { StoreError, StoreErrorCode } from '../store/errors.js';
import { restoreStores, type RestoreTarget } from '../store/restore.js';
import type { StoreSpec } from '../store/store-spec.js';
import { storeDir } from './container-stores.js';
import type { StatusBoard } from './status-board.js';

/**
 * A standby never waits for a DB another process holds: only the task's owner on a host state dir
 * shared with it can, and that host has the state already. It skips the copy (quietly: no wait, no warning).
 */
const STANDBY_LOCK_WAIT_MS = 0;

export interface StandbyOptions {
  readonly config: CompiledJobConfig;
  /** The job's stores; only those with a changelog have a standby copy. */
  readonly specs: readonly StoreSpec[];
  readonly changelogs: ChangelogSource;
  readonly checkpoints: CheckpointStore;
  /** Changelog topic → its compaction settings. */
  readonly compaction: ReadonlyMap<string, ChangelogCompaction>;
  readonly logger: Logger;
  readonly status?: StatusBoard | undefined;
  /** Pause between catch-up passes. */
  readonly intervalMs: number;
}

/**
 * A container's standby replicas (Kafka Streams' standby tasks, Samza's standby containers): warm
 * copies of other containers' task stores in this container's state dir, where the task would
 * restore them if it moved here. Every pass reads the tasks' checkpoints and applies their
 * changelogs up to the checkpointed positions, counting only the records the checkpoints count
 * (never a zombie's), and writes each store's OFFSET file; it never writes a changelog and never
 * claims a task. Up to the checkpoint, not the end: the records after it belong to messages that
 * will be processed again, and the owner trims them (restore-plan.ts) — a copy that had applied
 * them would be ahead of the checkpoint and have to be rebuilt. When a task moves here, its
 * restore finds the copy's OFFSET file and replays only what was checkpointed since the last pass.
 */
export class StandbyReplicas {
  private tasks: readonly TaskModel[] = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private wake: () => void = () => undefined;
  private readonly loop: Promise<void>;
  private readonly caughtUp = new Set<string>();
  /** The pass in progress, if any. */
  private passing: Promise<void> | undefined;

  constructor(private readonly options: StandbyOptions) {
    this.loop = this.run();
  }

  /**
   * The tasks to keep copies of from now on (a copy no longer named is left on disk, as a task's own
   * state is). Resolves once no pass touches a copy it no longer names: a task taken over here may
   * then open the copy's DBs.
   */
  async follow(tasks: readonly TaskModel[]): Promise<void> {
    const dropped = this.tasks.some((task) => !tasks.some((kept) => kept.name === task.name));
    this.tasks = tasks;
    for (const name of this.caughtUp) if (!tasks.some((task) => task.name === name)) this.caughtUp.delete(name);
    this.options.status?.standbyTasks(tasks.map((task) => task.name));
    if (dropped) await this.passing;
  }

  /**
   * Ends the loop after the pass in progress, which closes its DBs (no new pass starts). The same
   * promise for every call: a stopping container starts it early, so it overlaps the tasks' last commits.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.wake();
      await this.loop;
      this.options.status?.standbyTasks([]);
    })();
    return this.closing;
  }

  /** Passes one interval apart, the first one interval after the start: the container's own start-up comes first. */
  private async run(): Promise<void> {
    while (!this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.intervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (this.closed) return;
      this.passing = this.pass().catch((error: unknown) => {
        this.options.logger.warn('a standby pass failed; the next one tries again', { error: describeError(error) });
      });
      await this.passing;
      this.passing = undefined;
    }
  }

  /**
   * One catch-up of every copy: its tasks' checkpoints, then their changelogs up to them, all in one
   * read (a read opens a fetcher and its broker connections, so one per pass, not one per task). If that fails,
   * each task is tried alone, so one task's problem (its owner holding the DB, a changelog that does
   * not match) does not stall the others' copies.
   */
  private async pass(): Promise<void> {
    const { config, specs } = this.options;
    const logged = specs.filter((spec) => spec.changelogTopic !== undefined && spec.engine !== 'memory');
    if (this.tasks.length === 0 || logged.length === 0) return;
    const checkpoints = await this.options.checkpoints.load(this.tasks);
    const copies = this.tasks.flatMap((task): { task: string; targets: RestoreTarget[] }[] => {
      const checkpoint = checkpoints.get(task.name);
      // No checkpoint yet: the owner will start from an empty state, so there is nothing to copy.
      if (checkpoint === undefined) return [];
      // A checkpoint whose writers reached the cap makes the next owner rebuild whatever it finds:
      // a copy is of no use, and would be rebuilt on every pass.
      if (logged.some((spec) => (checkpoint.changelogs[spec.name]?.writers.epochs.length ?? 0) >= MAX_WRITER_EPOCHS)) return [];
      const targets = logged.map((spec) => ({
        context: { job: config.name, store: spec.name, task: task.name },
        changelog: { topic: spec.changelogTopic as string, partition: task.changelogPartition },
        sink: undefined,
        storeDir: storeDir(config, spec.name, task.name),
        createEngine: (dbDir: string | undefined) => createEngine(spec.engine, dbDir, spec.engineOptions),
        checkpoint: checkpoint.changelogs[spec.name],
        checkpointWrittenAt: checkpoint.writtenAt,
        epoch: 0n,
        compaction: this.options.compaction.get(spec.changelogTopic as string),
      }));
      return [{ task: task.name, targets }];
    });
    if (copies.length === 0) return;
    try {
      await this.copy(copies);
    } catch {
      for (const one of copies) {
        await this.copy([one]).catch((error: unknown) => {
          // Its owner holds the DB (a state dir shared with it): that host has the state already.
          if (error instanceof StoreError && error.code === StoreErrorCode.inUse) return;
          this.options.logger.warn('a standby copy failed; the next pass tries again', { task: one.task, error: describeError(error) });
        });
      }
    }
  }

  private async copy(copies: readonly { task: string; targets: RestoreTarget[] }[]): Promise<void> {
    const { logger, status } = this.options;
    const results = await restoreStores(
      copies.flatMap((copy) => copy.targets),
      this.options.changelogs,
      { deleteRetentionMs: STORE_DEFAULTS.deleteRetentionMs, logger, lockWaitMs: STANDBY_LOCK_WAIT_MS, quiet: true },
    );
    await Promise.all(results.map((result) => result.engine.close()));
    for (const { task } of copies) {
      const mine = results.filter((result) => result.target.context.task === task);
      // Records the owner wrote past its checkpoint: what a move here would replay beyond this copy, at most.
      const lag = mine.reduce((sum, result) => sum + Math.max(0, result.plan.trim.to - result.offset), 0);
      status?.standbyProgress(task, { lag });
      if (!this.caughtUp.has(task)) {
        this.caughtUp.add(task);
        logger.info('standby replica caught up with its checkpoint', {
          task,
          replayed: mine.reduce((sum, result) => sum + result.replayed, 0),
          lag,
        });
      }
    }
  }
}
