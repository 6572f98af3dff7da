import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_WRITER_EPOCHS, planRestore, type RestoreInput } from '../../../executor/store/restore-plan.js';
import { decodeOffsetFile } from '../../../executor/store/offset-file.js';
import { StoreErrorCode } from '../../../executor/store/errors.js';
import { changelogPartition, context } from './store-fixture.js';

const now = 10_000_000;
const base: RestoreInput = {
  context,
  changelog: changelogPartition,
  offsetFile: { state: 'clean', changelog: changelogPartition, offset: 49, writtenAt: now - 1000, epoch: 5n },
  watermarks: { low: 0, high: 120 },
  checkpoint: { offset: 99, writers: { since: 30, epochs: [3n, 5n] } },
  epoch: 7n,
  deleteRetentionMs: 86_400_000,
  now,
};

describe('planRestore', () => {
  it('reuses a clean local DB, replays up to the checkpoint and trims what follows it', () => {
    const plan = planRestore(base);
    assert.equal(plan.reuseLocal, true);
    assert.deepEqual(plan.replay, { from: 50, to: 99 });
    assert.deepEqual(plan.trim, { from: 100, to: 119 });
    assert.equal(plan.target, 99);
    assert.deepEqual(plan.counted, { since: 30, epochs: [3n, 5n] }, "the replay counts the checkpoint's writers");
    assert.deepEqual(plan.writers, { since: 30, epochs: [3n, 5n, 7n] }, 'keeping the DB adds this owner to them');
  });

  it("keeps the tail after a checkpoint older than 0.9 × min.compaction.lag.ms instead of trimming it (Samza's fallback)", () => {
    const old = { ...base, checkpointWrittenAt: now - 9_100, minCompactionLagMs: 10_000 };
    const plan = planRestore(old);
    assert.equal(plan.keptTail, true);
    assert.equal(plan.target, 119, 'the tail is the state');
    assert.deepEqual(plan.trim, { from: 120, to: 119 }, 'nothing is trimmed');
    assert.equal(planRestore({ ...old, checkpointWrittenAt: now - 8_900 }).keptTail, false, 'younger than 0.9 × the lag');
    assert.equal(planRestore({ ...old, watermarks: { low: 0, high: 100 } }).keptTail, false, 'no tail to keep');
    assert.equal(planRestore(base).keptTail, false, 'no lag known');
  });

  it('starts the writers afresh at the end of the changelog when it rebuilds', () => {
    const plan = planRestore({ ...base, offsetFile: { state: 'missing' } });
    assert.equal(plan.reuseLocal, false);
    assert.deepEqual(plan.counted, { since: 30, epochs: [3n, 5n] });
    assert.deepEqual(plan.writers, { since: 120, epochs: [7n] });
  });

  it('keeps a DB from before the writers began whoever wrote it, and one of theirs after', () => {
    const before = planRestore({ ...base, offsetFile: { ...base.offsetFile, offset: 20, epoch: 1n } as RestoreInput['offsetFile'] });
    assert.equal(before.reuseLocal, true, before.reason);
    const theirs = planRestore({ ...base, offsetFile: { ...base.offsetFile, epoch: 3n } as RestoreInput['offsetFile'] });
    assert.equal(theirs.reuseLocal, true, theirs.reason);
  });

  it('replays nothing when the local DB is exactly at the checkpoint', () => {
    const plan = planRestore({ ...base, offsetFile: { ...base.offsetFile, offset: 99 } as RestoreInput['offsetFile'] });
    assert.deepEqual(plan.replay, { from: 100, to: 99 });
  });

  it('starts from an empty state and trims the whole changelog when the task has no checkpoint', () => {
    for (const offsetFile of [{ state: 'missing' } as const, base.offsetFile]) {
      const plan = planRestore({ ...base, checkpoint: undefined, offsetFile, watermarks: { low: 7, high: 120 } });
      assert.equal(plan.reuseLocal, false, 'a local DB is never kept without a checkpoint');
      assert.deepEqual(plan.replay, { from: 7, to: 6 });
      assert.deepEqual(plan.trim, { from: 7, to: 119 });
      assert.equal(plan.target, 6);
    }
  });

  const rebuilds: [string, Partial<RestoreInput>, RegExp][] = [
    ['no OFFSET file', { offsetFile: { state: 'missing' } }, /no local state/],
    ['an interrupted rebuild', { offsetFile: { state: 'applying' } }, /interrupted/],
    [
      'a corrupt OFFSET',
      { offsetFile: decodeOffsetFile('nonsense', context) },
      /store 'counts' of task 'Partition 0': the OFFSET file is corrupt/,
    ],
    [
      'another changelog',
      { offsetFile: { state: 'clean', changelog: { topic: 'other', partition: 0 }, offset: 5, writtenAt: now, epoch: 5n } },
      /belongs to changelog other\[0\]/,
    ],
    ['a DB ahead of the checkpoint', { checkpoint: { offset: 40, writers: { since: 30, epochs: [5n] } } }, /ahead of the checkpoint/],
    [
      'a DB a zombie wrote among the writers',
      { offsetFile: { state: 'clean', changelog: changelogPartition, offset: 49, writtenAt: now, epoch: 4n } },
      /written in epoch 4, whose records do not count after offset 30/,
    ],
    [
      'a DB kept by too many owners',
      {
        checkpoint: {
          offset: 99,
          writers: { since: 30, epochs: Array.from({ length: MAX_WRITER_EPOCHS }, (_, index) => BigInt(index)).concat(5n) },
        },
      },
      /owners kept this DB since the last rebuild/,
    ],
    ['offsets no longer in the changelog', { watermarks: { low: 60, high: 120 } }, /no longer holds offsets 50..59/],
    ['a DB older than half the delete retention', { deleteRetentionMs: 1900 }, /over half the changelog's delete retention/],
    ['a DB from the future (a clock set back)', { now: now - 5000 }, /written 4 s in the future by this host's clock/],
    [
      "a DB old by its last checkpoint's clock, young by this host's (a clock set back; the review's R5)",
      { checkpointWrittenAt: now + 3_000_000, deleteRetentionMs: 2_000_000 },
      /the local DB is 3001 s old by the clock of the task's last checkpoint \(1 s by this host's\), over half/,
    ],
  ];
  for (const [name, change, reason] of rebuilds) {
    it(`rebuilds from the start for ${name}`, () => {
      const plan = planRestore({ ...base, ...change });
      assert.equal(plan.reuseLocal, false);
      assert.match(plan.reason, reason);
      assert.equal(plan.replay.from, change.watermarks?.low ?? 0);
    });
  }

  it('refuses a checkpoint beyond the end of the changelog, naming the store, task and topic', () => {
    assert.throws(
      () => planRestore({ ...base, checkpoint: { offset: 500, writers: { since: 0, epochs: [5n] } } }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, StoreErrorCode.changelogMismatch);
        assert.match(error.message, /store 'counts' of task 'Partition 0'.*test-job-counts-changelog\[0\] reached offset 500/);
        return true;
      },
    );
  });
});
