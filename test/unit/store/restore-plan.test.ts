import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planRestore, type RestoreInput } from '../../../executor/store/restore-plan.js';
import { decodeOffsetFile } from '../../../executor/store/offset-file.js';
import { StoreErrorCode } from '../../../executor/store/errors.js';
import { changelogPartition, context } from './store-fixture.js';

const now = 10_000_000;
const base: RestoreInput = {
  context,
  changelog: changelogPartition,
  offsetFile: { state: 'clean', changelog: changelogPartition, offset: 49, writtenAt: now - 1000 },
  watermarks: { low: 0, high: 120 },
  checkpointed: 99,
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
  });

  it('replays nothing when the local DB is exactly at the checkpoint', () => {
    const plan = planRestore({ ...base, offsetFile: { ...base.offsetFile, offset: 99 } as RestoreInput['offsetFile'] });
    assert.deepEqual(plan.replay, { from: 100, to: 99 });
  });

  it('adopts the whole changelog when the task has no checkpoint', () => {
    const plan = planRestore({ ...base, checkpointed: undefined, offsetFile: { state: 'missing' } });
    assert.equal(plan.reuseLocal, false);
    assert.deepEqual(plan.replay, { from: 0, to: 119 });
    assert.deepEqual(plan.trim, { from: 120, to: 119 });
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
      { offsetFile: { state: 'clean', changelog: { topic: 'other', partition: 0 }, offset: 5, writtenAt: now } },
      /belongs to changelog other\[0\]/,
    ],
    ['a DB ahead of the checkpoint', { checkpointed: 40 }, /ahead of the checkpoint/],
    ['offsets no longer in the changelog', { watermarks: { low: 60, high: 120 } }, /no longer holds offsets 50..59/],
    ['a DB older than the delete retention', { deleteRetentionMs: 500 }, /over the changelog's delete retention/],
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
      () => planRestore({ ...base, checkpointed: 500 }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, StoreErrorCode.changelogMismatch);
        assert.match(error.message, /store 'counts' of task 'Partition 0'.*test-job-counts-changelog\[0\] reached offset 500/);
        return true;
      },
    );
  });
});
