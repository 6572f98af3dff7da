import type { ChangelogPosition, ChangelogWriters } from '../checkpoint/checkpoint.js';
import type { ChangelogPartition } from './changelog.js';
import { StoreError, StoreErrorCode } from './errors.js';
import type { OffsetFileState } from './offset-file.js';
import type { StoreContext } from './store-context.js';

/**
 * Decides how a store is restored. Pure: it takes the OFFSET file, the changelog's watermarks
 * and the task's checkpoint, and says what to keep, what to replay and what to trim.
 *
 * The target is the changelog offset in the task's checkpoint: the state that matches the
 * input offsets the task resumes from. Records after it come from messages that will be
 * processed again, so they are not applied; their keys are *trimmed*: re-sent with the value
 * they have at the target, so that the changelog's latest value per key equals the state again.
 * Records a zombie wrote (see ChangelogWriters) are skipped and trimmed the same way.
 */
export interface RestoreInput {
  readonly context: StoreContext;
  readonly changelog: ChangelogPartition;
  readonly offsetFile: OffsetFileState;
  /** Offsets present in the changelog: [low, high). */
  readonly watermarks: { readonly low: number; readonly high: number };
  /** The store's position in the task's checkpoint; undefined when the task has none yet. */
  readonly checkpoint: ChangelogPosition | undefined;
  /** The epoch of this owner of the task, whose records will follow the restore's. */
  readonly epoch: bigint;
  /** The changelog's delete.retention.ms: a local DB older than this may have missed tombstones that compaction removed. */
  readonly deleteRetentionMs: number;
  /** When the task's checkpoint was written (its writer's clock; unknown for old checkpoints). */
  readonly checkpointWrittenAt?: number | undefined;
  /** The changelog's min.compaction.lag.ms, when known. */
  readonly minCompactionLagMs?: number | undefined;
  readonly now: number;
}

export interface RestorePlan {
  /** Keep the local DB (true) or wipe it and rebuild from the changelog. */
  readonly reuseLocal: boolean;
  /** Why, in words for the log. */
  readonly reason: string;
  /** Offsets to apply to the engine, inclusive; empty when to < from. */
  readonly replay: { readonly from: number; readonly to: number };
  /** Offsets whose keys are re-sent with their restored value, inclusive; empty when to < from. */
  readonly trim: { readonly from: number; readonly to: number };
  /** The offset the DB reflects after the replay. */
  readonly target: number;
  /** Whose records the replay applies: the others are skipped and trimmed. */
  readonly counted: ChangelogWriters;
  /** Whose records count from now on, for this owner's checkpoints. */
  readonly writers: ChangelogWriters;
  /**
   * The checkpoint was older than compaction's safety margin, so the records after it were kept
   * rather than trimmed (messages after the checkpoint may count twice): say so loudly.
   */
  readonly keptTail: boolean;
}

/**
 * A kept DB adds its owner's epoch to the checkpoint's writers; past this many, the store is
 * rebuilt instead, which starts the set afresh (and bounds the checkpoint's size).
 */
export const MAX_WRITER_EPOCHS = 8;

export function planRestore(input: RestoreInput): RestorePlan {
  const { low, high } = input.watermarks;
  const last = high - 1;
  // A rebuild reads (and trims what does not count of) everything before `high`; from there on the
  // changelog holds this owner's records, and any other's are a zombie's.
  const fresh: ChangelogWriters = { since: high, epochs: [input.epoch] };
  const position = input.checkpoint;
  if (position === undefined) {
    // No checkpoint: the task's inputs start afresh from their reset policy, so its state must be
    // empty too. Whatever the changelog holds was written by a run that never committed (a crash
    // before its first checkpoint) or belongs to checkpoints that are gone (expired group
    // offsets): adopting it would count those messages twice. Samza does the same: wipe, and
    // trim the whole changelog so that its latest value per key is empty again.
    return {
      reuseLocal: false,
      reason: 'no checkpoint: the task starts from an empty state and the whole changelog is trimmed',
      replay: { from: low, to: low - 1 },
      trim: { from: low, to: last },
      target: low - 1,
      counted: fresh,
      writers: fresh,
      keptTail: false,
    };
  }
  // Trim relies on every committed record still being there. Compaction may remove one that a
  // record after the checkpoint superseded once that record is min.compaction.lag.ms old: past 0.9
  // of it (Samza's margin), keep the tail as the state instead, which at worst counts twice.
  const { checkpointWrittenAt, minCompactionLagMs } = input;
  const keptTail =
    position.offset < last &&
    checkpointWrittenAt !== undefined &&
    minCompactionLagMs !== undefined &&
    input.now - checkpointWrittenAt > 0.9 * minCompactionLagMs;
  const target = keptTail ? last : position.offset;
  if (target > last) {
    throw new StoreError(
      StoreErrorCode.changelogMismatch,
      input.context,
      `the checkpoint says changelog ${input.changelog.topic}[${input.changelog.partition}] reached offset ` +
        `${target}, but the topic ends at ${last}: it was truncated or re-created. Restore the topic, ` +
        `or delete the job's checkpoints to start this task from an empty state.`,
    );
  }
  const trim = { from: target + 1, to: last };
  const rebuild = (reason: string): RestorePlan => ({
    reuseLocal: false,
    reason,
    replay: { from: low, to: target },
    trim,
    target,
    counted: position.writers,
    writers: fresh,
    keptTail,
  });

  const local = input.offsetFile;
  switch (local.state) {
    case 'missing':
      return rebuild('no local state (no OFFSET file)');
    case 'applying':
      return rebuild('the last rebuild of the local DB was interrupted');
    case 'corrupt':
      return rebuild(local.error.message);
    case 'clean':
      break;
  }
  if (local.changelog.topic !== input.changelog.topic || local.changelog.partition !== input.changelog.partition) {
    return rebuild(
      `the local DB belongs to changelog ${local.changelog.topic}[${local.changelog.partition}], ` +
        `not ${input.changelog.topic}[${input.changelog.partition}]`,
    );
  }
  if (local.offset > target) {
    return rebuild(`the local DB (offset ${local.offset}) is ahead of the checkpoint (offset ${target})`);
  }
  const { since, epochs } = position.writers;
  if (local.offset >= since && !epochs.includes(local.epoch)) {
    return rebuild(`the local DB was written in epoch ${local.epoch}, whose records do not count after offset ${since}`);
  }
  if (epochs.length >= MAX_WRITER_EPOCHS) {
    return rebuild(`${epochs.length} owners kept this DB since the last rebuild; rebuilding starts their list afresh`);
  }
  if (local.offset + 1 < low) {
    return rebuild(`the changelog no longer holds offsets ${local.offset + 1}..${low - 1} after the local DB`);
  }
  const age = input.now - local.writtenAt;
  if (age < 0) {
    return rebuild(`the local DB was written ${Math.round(-age / 1000)} s in the future by this host's clock, so its age is unknown`);
  }
  // A clock set back makes an old DB look young by this host's clock (the review's R5). The task's
  // last checkpoint was written by the clock of its last owner, often another host, and a running
  // owner checkpoints at least once a minute: by that clock the DB is at least this old.
  const ageByCheckpoint = input.checkpointWrittenAt === undefined ? 0 : input.checkpointWrittenAt - local.writtenAt;
  // Half the retention: the replay that follows takes time too, and tombstones must outlive it.
  if (Math.max(age, ageByCheckpoint) > input.deleteRetentionMs / 2) {
    const clock = ageByCheckpoint > age ? ` by the clock of the task's last checkpoint (${Math.round(age / 1000)} s by this host's)` : '';
    return rebuild(
      `the local DB is ${Math.round(Math.max(age, ageByCheckpoint) / 1000)} s old${clock}, over half the changelog's delete retention ` +
        `(${Math.round(input.deleteRetentionMs / 1000)} s): deletes may be compacted away before its replay ends`,
    );
  }
  return {
    reuseLocal: true,
    reason: `local DB at offset ${local.offset} is reused`,
    replay: { from: local.offset + 1, to: target },
    trim,
    target,
    counted: position.writers,
    writers: { since: Math.min(since, high), epochs: epochs.includes(input.epoch) ? epochs : [...epochs, input.epoch] },
    keptTail,
  };
}

export function rangeSize(range: { readonly from: number; readonly to: number }): number {
  return Math.max(0, range.to - range.from + 1);
}
