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
 */
export interface RestoreInput {
  readonly context: StoreContext;
  readonly changelog: ChangelogPartition;
  readonly offsetFile: OffsetFileState;
  /** Offsets present in the changelog: [low, high). */
  readonly watermarks: { readonly low: number; readonly high: number };
  /** The changelog offset in the task's checkpoint; undefined when the task has none yet. */
  readonly checkpointed: number | undefined;
  /** A local DB older than this may have missed tombstones that compaction has removed. */
  readonly deleteRetentionMs: number;
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
}

export function planRestore(input: RestoreInput): RestorePlan {
  const { low, high } = input.watermarks;
  const last = high - 1;
  // Without a checkpoint the task starts its inputs afresh from the reset policy; whatever the
  // changelog holds is adopted as the state (a new task's changelog is empty).
  const target = input.checkpointed ?? last;
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
  if (local.offset + 1 < low) {
    return rebuild(`the changelog no longer holds offsets ${local.offset + 1}..${low - 1} after the local DB`);
  }
  const age = input.now - local.writtenAt;
  if (age > input.deleteRetentionMs) {
    return rebuild(
      `the local DB is ${Math.round(age / 1000)} s old, over the changelog's delete retention ` +
        `(${Math.round(input.deleteRetentionMs / 1000)} s): deletes may have been compacted away`,
    );
  }
  return {
    reuseLocal: true,
    reason: `local DB at offset ${local.offset} is reused`,
    replay: { from: local.offset + 1, to: target },
    trim,
    target,
  };
}

export function rangeSize(range: { readonly from: number; readonly to: number }): number {
  return Math.max(0, range.to - range.from + 1);
}
