import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskLostError } from '../../shared/coordination/task-ownership.js';
import { createLogger, type Logger } from '../../shared/log.js';
import type { ChangelogPosition } from '../checkpoint/checkpoint.js';
import { counter, gauge } from '../../shared/metrics.js';
import {
  type ChangelogCompaction,
  type ChangelogPartition,
  type ChangelogReadRequest,
  type ChangelogSink,
  type ChangelogSource,
  type OffsetRecord,
} from './changelog.js';
import type { EngineWrite, KeyValueEngine } from './engine.js';
import { readOffsetFile, writeOffsetFile, type OffsetFileState } from './offset-file.js';
import { planRestore, rangeSize, type RestorePlan } from './restore-plan.js';
import { RecordEpochs } from './restore-epochs.js';
import type { StoreContext } from './store-context.js';
import { StoreError } from './errors.js';
import { openWhenUnlocked } from './engines/open-when-unlocked.js';
import { settleAll } from '../../shared/settle-all.js';

/** One store of one task to restore. */
export interface RestoreTarget {
  readonly context: StoreContext;
  readonly changelog: ChangelogPartition;
  /**
   * Where the owner's records go, trims first. Undefined for a standby replica, which never writes:
   * it applies the changelog up to the checkpoint and leaves the trim to the task's owner.
   */
  readonly sink: ChangelogSink | undefined;
  /** Directory holding `db/` and the OFFSET file; undefined for the memory engine. */
  readonly storeDir: string | undefined;
  /** Creates the engine over `<storeDir>/db` (not yet opened). */
  readonly createEngine: (dbDir: string | undefined) => KeyValueEngine;
  /** The store's position in the task's checkpoint; undefined when the task has none. */
  readonly checkpoint: ChangelogPosition | undefined;
  /** When that checkpoint was written, if it says. */
  readonly checkpointWrittenAt?: number | undefined;
  /** The epoch of this owner of the task (the sink's records carry it); 0 for a standby replica. */
  readonly epoch: bigint;
  /** The changelog topic's compaction settings, when known (else the options' delete retention and no compaction lag check). */
  readonly compaction?: ChangelogCompaction | undefined;
}

export interface RestoreResult {
  readonly target: RestoreTarget;
  readonly engine: KeyValueEngine;
  readonly plan: RestorePlan;
  readonly replayed: number;
  readonly replayedBytes: number;
  readonly trimmed: number;
  /** Records a zombie wrote, skipped (and trimmed). */
  readonly skipped: number;
  /** The changelog offset the engine reflects after restore and trim. */
  readonly offset: number;
  readonly millis: number;
}

/**
 * Records replayed into one store so far, of those planned, and whether the store is rebuilt from
 * the start of its changelog rather than its local DB kept (for status reports; called per batch).
 */
export type RestoreProgress = (
  context: { readonly store: string; readonly task: string },
  done: number,
  total: number,
  rebuilt: boolean,
) => void;

export interface RestoreOptions {
  readonly deleteRetentionMs: number;
  readonly progressIntervalMs?: number;
  readonly logger?: Logger;
  readonly onProgress?: RestoreProgress;
  /** How long to wait for a DB locked by another process (default LOCK_WAIT_MS). */
  readonly lockWaitMs?: number;
  /** Log the plan and the result at debug level: a standby replica restores every few seconds. */
  readonly quiet?: boolean;
}

const restoredRecords = counter('sluice_store_restored_records_total', 'Changelog records applied by restore', ['store', 'task']);
const restoredBytes = counter('sluice_store_restored_bytes_total', 'Changelog bytes applied by restore', ['store', 'task']);
const restoreRemaining = gauge('sluice_store_restore_remaining_records', 'Changelog records left to restore', ['store', 'task']);

/**
 * Restores stores straight into their engines, bypassing the layers: one pass over each
 * changelog partition applies records up to the checkpointed offset in engine-sized batches
 * and collects the keys written after it, which are then trimmed (see restore-plan.ts).
 * All targets share one `source.read`, so a container reads its changelogs together.
 */
export async function restoreStores(
  targets: readonly RestoreTarget[],
  source: ChangelogSource,
  options: RestoreOptions,
): Promise<RestoreResult[]> {
  const log = options.logger ?? createLogger({ component: 'restore' });
  const prepared = await Promise.allSettled(targets.map((target) => prepare(target, source, options, log)));
  const states = prepared.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  try {
    const failed = prepared.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    return await restorePrepared(states, source, options, log);
  } catch (error) {
    // Nothing stays open after a failed restore: the next attempt, maybe in this process, opens the DBs again.
    const closing = states.map(async (state) => {
      await state.writing.catch(() => undefined);
      await state.engine.close();
    });
    await settleAll(closing).catch(() => undefined);
    throw error;
  }
}

async function restorePrepared(
  states: readonly TargetState[],
  source: ChangelogSource,
  options: RestoreOptions,
  log: Logger,
): Promise<RestoreResult[]> {
  const started = Date.now();
  const requests: ChangelogReadRequest[] = [];
  const byRequest = new Map<ChangelogReadRequest, TargetState>();
  for (const state of states) {
    const { replay, trim } = state.plan;
    // A standby reads no further than it applies: the records after the checkpoint are the owner's to trim.
    const to = state.target.sink === undefined ? replay.to : Math.max(replay.to, trim.to);
    const request = { ...state.target.changelog, from: replay.from, to };
    if (request.to < request.from) continue;
    requests.push(request);
    byRequest.set(request, state);
    restoreRemaining.set(labels(state.target), rangeSize(replay));
    options.onProgress?.(labels(state.target), 0, rangeSize(replay), !state.plan.reuseLocal);
  }
  const total = states.reduce((sum, state) => sum + rangeSize(state.plan.replay), 0);
  const progress = setInterval(() => logProgress(log, states, total, started), options.progressIntervalMs ?? 5000);
  try {
    await source.read(requests, (request, records) => apply(byRequest.get(request) as TargetState, records, options.onProgress));
  } finally {
    clearInterval(progress);
  }
  // Read to the end: a range whose last offsets hold no record (compacted away, or transaction markers) is done too.
  for (const state of states) {
    state.covered = rangeSize(state.plan.replay);
    reportProgress(state, 0, 0, options.onProgress);
  }
  const results = await Promise.all(states.map((state) => finish(state, started)));
  const replayed = results.reduce((sum, result) => sum + result.replayed, 0);
  const bytes = results.reduce((sum, result) => sum + result.replayedBytes, 0);
  const seconds = (Date.now() - started) / 1000;
  log[options.quiet === true ? 'debug' : 'info']('restore finished', {
    stores: results.length,
    records: replayed,
    bytes,
    trimmed: results.reduce((sum, result) => sum + result.trimmed, 0),
    skippedFromZombies: results.reduce((sum, result) => sum + result.skipped, 0),
    seconds,
    mbPerSecond: Number((bytes / 1e6 / Math.max(seconds, 0.001)).toFixed(1)),
  });
  return results;
}

interface TargetState {
  readonly target: RestoreTarget;
  readonly plan: RestorePlan;
  readonly engine: KeyValueEngine;
  readonly trimKeys: Map<string, Buffer>;
  readonly countedEpochs: ReadonlySet<bigint>;
  readonly epochs: RecordEpochs;
  /** Records skipped because a zombie wrote them (see ChangelogWriters). */
  skipped: number;
  /** The engine write in progress (restore writes one batch while it reads the next). */
  writing: Promise<void>;
  replayed: number;
  replayedBytes: number;
  /**
   * Offsets of the replay range read so far: the progress reported. Fewer records than offsets
   * arrive where compaction removed some, or where transaction markers and aborted records sit.
   */
  covered: number;
}

async function prepare(target: RestoreTarget, source: ChangelogSource, options: RestoreOptions, log: Logger): Promise<TargetState> {
  const offsetFile: OffsetFileState = target.storeDir ? await readOffsetFile(target.storeDir, target.context) : { state: 'missing' };
  const plan = planRestore({
    context: target.context,
    changelog: target.changelog,
    offsetFile,
    watermarks: await source.watermarks(target.changelog),
    checkpoint: target.checkpoint,
    epoch: target.epoch,
    deleteRetentionMs: target.compaction?.deleteRetentionMs ?? options.deleteRetentionMs,
    minCompactionLagMs: target.compaction?.minCompactionLagMs,
    checkpointWrittenAt: target.checkpointWrittenAt,
    now: Date.now(),
  });
  const dbDir = target.storeDir ? join(target.storeDir, 'db') : undefined;
  if (target.storeDir && dbDir) {
    await mkdir(target.storeDir, { recursive: true });
    if (!plan.reuseLocal) {
      await refuseIfOpenElsewhere(target, dbDir, log, options.lockWaitMs);
      // Marked first, so that a crash during the rebuild leads to a rebuild again.
      await writeOffsetFile(target.storeDir, { state: 'applying' });
      await rm(dbDir, { recursive: true, force: true });
    }
    await mkdir(dbDir, { recursive: true });
  }
  if (plan.keptTail) {
    log.warn(
      "the checkpoint is older than 0.9 × the changelog's min.compaction.lag.ms: the records after it are kept as the state, not trimmed (messages after the checkpoint may count twice)",
      {
        ...target.context,
        checkpointWrittenAt: target.checkpointWrittenAt,
        kept: plan.target - (target.checkpoint?.offset ?? plan.target),
      },
    );
  }
  const engine = target.createEngine(dbDir);
  await openWhenUnlocked(engine, { context: target.context, dbDir }, log, options.lockWaitMs);
  log[options.quiet === true ? 'debug' : 'info']('restore planned', {
    ...target.context,
    reuseLocal: plan.reuseLocal,
    reason: plan.reason,
    replay: rangeSize(plan.replay),
    trim: rangeSize(plan.trim),
  });
  return {
    target,
    plan,
    engine,
    trimKeys: new Map(),
    countedEpochs: new Set(plan.counted.epochs),
    epochs: new RecordEpochs(),
    skipped: 0,
    writing: Promise.resolve(),
    replayed: 0,
    replayedBytes: 0,
    covered: 0,
  };
}

/**
 * A rebuild deletes the DB directory, and with it the engine's LOCK file, which is what keeps a
 * second process out: with a host state directory, a zombie of this task on the same host could
 * still have the DB open and go on writing into the one rebuilt under it. So the old DB is opened
 * (and closed) first, waiting a while for its lock; if it stays held, the rebuild is refused rather
 * than mixing two writers.
 */
async function refuseIfOpenElsewhere(target: RestoreTarget, dbDir: string, log: Logger, lockWaitMs: number | undefined): Promise<void> {
  if (!existsSync(dbDir)) return;
  const old = target.createEngine(dbDir);
  try {
    await openWhenUnlocked(old, { context: target.context, dbDir }, log, lockWaitMs);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    return; // unreadable for another reason: the rebuild replaces it
  }
  await old.close();
}

async function apply(state: TargetState, records: readonly OffsetRecord[], onProgress: RestoreProgress | undefined): Promise<void> {
  const batch: EngineWrite[] = [];
  let bytes = 0;
  const { target, counted } = state.plan;
  const ownEpoch = state.target.epoch;
  // Judged once per run of records with the same epoch (RecordEpochs hands back the same bigint).
  let judged: bigint | undefined;
  let epochCounts = false;
  for (const record of records) {
    const epoch = state.epochs.of(record);
    if (epoch !== judged) {
      if (ownEpoch !== 0n && epoch > ownEpoch) {
        throw new TaskLostError(
          state.target.context.task,
          `its changelog holds a record of a newer owner (epoch ${epoch}, ours ${ownEpoch})`,
        );
      }
      judged = epoch;
      epochCounts = state.countedEpochs.has(epoch);
    }
    const counts = epochCounts || record.offset < counted.since;
    if (record.offset <= target && counts) {
      batch.push(record.value === null ? { type: 'del', key: record.key } : { type: 'put', key: record.key, value: record.value });
      bytes += record.key.length + (record.value?.length ?? 0);
    } else {
      // After the target (from messages that will be processed again), or a zombie's: trimmed.
      if (record.offset <= target) state.skipped++;
      state.trimKeys.set(record.key.toString('latin1'), record.key);
    }
  }
  if (batch.length > 0) {
    // Pipelined: this batch is written (on the engine's threads) while the next one is fetched
    // and decoded; only the previous write is awaited, which bounds the backlog to one batch.
    const previous = state.writing;
    state.writing = previous.then(() => state.engine.write(batch));
    state.writing.catch(() => undefined);
    await previous;
  }
  state.replayed += batch.length;
  state.replayedBytes += bytes;
  const last = records[records.length - 1];
  if (last) state.covered = Math.min(rangeSize(state.plan.replay), Math.max(state.covered, last.offset - state.plan.replay.from + 1));
  reportProgress(state, batch.length, bytes, onProgress);
}

function reportProgress(state: TargetState, records: number, bytes: number, onProgress: RestoreProgress | undefined): void {
  const labelSet = labels(state.target);
  restoredRecords.inc(labelSet, records);
  restoredBytes.inc(labelSet, bytes);
  const total = rangeSize(state.plan.replay);
  restoreRemaining.set(labelSet, total - state.covered);
  onProgress?.(labelSet, state.covered, total, !state.plan.reuseLocal);
}

async function finish(state: TargetState, started: number): Promise<RestoreResult> {
  const { target, engine, plan } = state;
  await state.writing;
  let offset = plan.target;
  const keys = target.sink === undefined ? [] : [...state.trimKeys.values()];
  if (keys.length > 0 && target.sink !== undefined) {
    const values = await engine.getMany(keys);
    target.sink.send(keys.map((key, index) => ({ key, value: values[index] ?? null })));
    offset = (await target.sink.flush()) ?? offset;
  }
  await engine.flush();
  if (target.storeDir) {
    await writeOffsetFile(target.storeDir, {
      state: 'clean',
      changelog: target.changelog,
      offset,
      writtenAt: Date.now(),
      // A standby's DB holds the records of the owners its checkpoint counts: it is as good as the newest one's.
      epoch:
        target.sink === undefined ? plan.counted.epochs.reduce((newest, epoch) => (epoch > newest ? epoch : newest), 0n) : target.epoch,
    });
  }
  return {
    target,
    engine,
    plan,
    replayed: state.replayed,
    replayedBytes: state.replayedBytes,
    trimmed: keys.length,
    skipped: state.skipped,
    offset,
    millis: Date.now() - started,
  };
}

function logProgress(log: Logger, states: readonly TargetState[], total: number, started: number): void {
  const done = states.reduce((sum, state) => sum + state.replayed, 0);
  const covered = states.reduce((sum, state) => sum + state.covered, 0);
  const bytes = states.reduce((sum, state) => sum + state.replayedBytes, 0);
  const seconds = (Date.now() - started) / 1000;
  log.info('restore progress', {
    records: done,
    offsets: covered,
    total,
    percent: total === 0 ? 100 : Math.floor((covered / total) * 100),
    bytes,
    recordsPerSecond: Math.round(done / Math.max(seconds, 0.001)),
  });
}

function labels(target: RestoreTarget): { store: string; task: string } {
  return { store: target.context.store, task: target.context.task };
}
