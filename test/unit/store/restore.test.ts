import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EVERY_WRITER } from '../../../executor/checkpoint/checkpoint.js';
import { createEngine } from '../../../executor/store/engines/create-engine.js';
import { MemoryEngine } from '../../../executor/store/engines/memory-engine.js';
import { StoreErrorCode } from '../../../executor/store/errors.js';
import { MemoryTopics } from '../../../executor/systems/memory/memory-topics.js';
import { readOffsetFile } from '../../../executor/store/offset-file.js';
import { restoreStores } from '../../../executor/store/restore.js';
import { setLogLevel } from '../../../shared/log.js';
import { changelogPartition, context } from './store-fixture.js';

setLogLevel('warn');

function put(key: string, value: string | null) {
  return { key: Buffer.from(key), value: value === null ? null : Buffer.from(value) };
}

describe('restoreStores', () => {
  it('applies records up to the checkpoint, deletes on tombstones, and trims keys written after it', async () => {
    const changelog = new MemoryTopics();
    const sink = changelog.sink(changelogPartition);
    sink.send([put('a', '1'), put('b', '1'), put('c', '1'), put('b', null)]); // offsets 0..3 (checkpointed: 3)
    sink.send([put('a', '2'), put('d', '1')]); // 4..5: from messages that will be processed again
    const [result] = await restoreStores(
      [
        {
          context,
          changelog: changelogPartition,
          sink,
          storeDir: undefined,
          createEngine: () => new MemoryEngine(),
          checkpoint: { offset: 3, writers: EVERY_WRITER },
          epoch: 0n,
        },
      ],
      changelog,
      { deleteRetentionMs: 1e9 },
    );
    assert.ok(result);
    assert.equal(result.replayed, 4);
    assert.equal(result.trimmed, 2);
    assert.equal(result.offset, 7, 'trim records were appended at 6 and 7');
    const contents = new Map<string, string>();
    const iterator = result.engine.iterate({});
    for (let chunk = await iterator.nextChunk(); chunk.length > 0; chunk = await iterator.nextChunk()) {
      for (const { key, value } of chunk) contents.set(key.toString(), value.toString());
    }
    assert.deepEqual(Object.fromEntries(contents), { a: '1', c: '1' });
    const trim = changelog
      .records(changelogPartition)
      .slice(6)
      .map((r) => [r.key?.toString(), r.value?.toString() ?? null]);
    assert.deepEqual(
      trim.sort(),
      [
        ['a', '1'],
        ['d', null],
      ],
      'the changelog again ends in the restored state',
    );
  });

  it('as a standby replica: applies up to the checkpoint, never writes, and leaves an OFFSET file the owner reuses', async () => {
    const changelog = new MemoryTopics();
    const owner = changelog.sink(changelogPartition);
    owner.send([put('a', '1'), put('b', '1')]); // 0..1, checkpointed at 1 by epoch 7
    owner.send([put('a', '2')]); // 2: after the checkpoint
    const storeDir = await mkdtemp(join(tmpdir(), 'sluice-standby-'));
    // Records before `since` count whoever wrote them; after it only epochs 5 and 7's would.
    const writers = { since: 2, epochs: [5n, 7n] };
    const standby = {
      context,
      changelog: changelogPartition,
      sink: undefined,
      storeDir,
      createEngine: (dbDir: string | undefined) => createEngine('leveldb', dbDir, {}),
      checkpoint: { offset: 1, writers },
      epoch: 0n,
    };
    const [copy] = await restoreStores([standby], changelog, { deleteRetentionMs: 1e9, quiet: true });
    assert.ok(copy);
    assert.deepEqual([copy.replayed, copy.trimmed, copy.offset], [2, 0, 1], 'two records applied, nothing trimmed, at the checkpoint');
    assert.equal(changelog.records(changelogPartition).length, 3, 'the standby wrote nothing');
    assert.equal(copy.plan.trim.to - copy.offset, 1, "one record past the copy: the owner's to trim");
    await copy.engine.close();
    const offsetFile = await readOffsetFile(storeDir, context);
    assert.ok(offsetFile.state === 'clean');
    assert.deepEqual([offsetFile.offset, offsetFile.epoch], [1, 7n], "at the checkpoint, as good as its newest writer's");

    // The task moves here: its owner (epoch 9) reuses the copy, replays nothing before the checkpoint again and trims the rest.
    const [taken] = await restoreStores([{ ...standby, sink: owner, epoch: 9n }], changelog, { deleteRetentionMs: 1e9 });
    assert.ok(taken);
    assert.equal(taken.plan.reuseLocal, true, taken.plan.reason);
    assert.deepEqual([taken.replayed, taken.trimmed], [0, 1]);
    assert.equal((await taken.engine.get(Buffer.from('a')))?.toString(), '1');
    await taken.engine.close();
  });

  for (const kind of ['rocksdb', 'leveldb'] as const) {
    it(`refuses to rebuild a ${kind} DB that another process still has open (a zombie on this host), and leaves it alone`, async () => {
      const storeDir = await mkdtemp(join(tmpdir(), 'sluice-in-use-'));
      const dbDir = join(storeDir, 'db');
      const zombie = createEngine(kind, dbDir, {});
      await zombie.open();
      await zombie.write([{ type: 'put', key: Buffer.from('k'), value: Buffer.from('zombie') }]);
      const changelog = new MemoryTopics();
      const target = rebuildTarget(kind, storeDir, changelog);
      const quickly = { deleteRetentionMs: 1e9, lockWaitMs: 300 };
      await assert.rejects(restoreStores([target], changelog, quickly), (error: Error & { code?: string }) => {
        assert.equal(error.code, StoreErrorCode.inUse);
        assert.match(error.message, /store 'counts' of task 'Partition 0': its DB at .* stayed locked by another process for 0.3 s/);
        return true;
      });
      assert.equal((await zombie.get(Buffer.from('k')))?.toString(), 'zombie', "the zombie's DB was not deleted under it");
      await zombie.close();
      const [rebuilt] = await restoreStores([target], changelog, { deleteRetentionMs: 1e9 });
      assert.equal(await rebuilt?.engine.get(Buffer.from('k')), undefined, 'once it is closed, the rebuild goes ahead');
      await rebuilt?.engine.close();
    });

    it(`waits for a ${kind} DB that another process still holds, and restores once it lets go`, async () => {
      const storeDir = await mkdtemp(join(tmpdir(), 'sluice-locked-'));
      const predecessor = createEngine(kind, join(storeDir, 'db'), {});
      await predecessor.open();
      await predecessor.write([{ type: 'put', key: Buffer.from('k'), value: Buffer.from('old') }]);
      const changelog = new MemoryTopics();
      const target = rebuildTarget(kind, storeDir, changelog);
      let released = false;
      const exiting = new Promise<void>((resolve) =>
        setTimeout(() => {
          released = true;
          resolve(predecessor.close());
        }, 500),
      );
      const [restored] = await restoreStores([target], changelog, { deleteRetentionMs: 1e9, lockWaitMs: 20_000 });
      await exiting;
      assert.ok(released, 'the restore opened the DB only after its holder let go');
      assert.equal(await restored?.engine.get(Buffer.from('k')), undefined, 'rebuilt from the (empty) changelog');
      await restored?.engine.close();
    });

    it(`closes every ${kind} DB it opened when the restore fails, so a retry in the same process can open them`, async () => {
      const storeDir = await mkdtemp(join(tmpdir(), 'sluice-failed-restore-'));
      const changelog = new MemoryTopics();
      const target = rebuildTarget(kind, storeDir, changelog);
      changelog.sink(changelogPartition).send([put('k', 'v')]);
      const failing = {
        watermarks: (partition: typeof changelogPartition) => changelog.watermarks(partition),
        read: () => Promise.reject(new Error('the broker went away')),
      };
      await assert.rejects(restoreStores([target], failing, { deleteRetentionMs: 1e9 }), /the broker went away/);
      const again = createEngine(kind, join(storeDir, 'db'), {});
      await again.open();
      await again.close();
    });
  }
});

/** A restore target in `storeDir` with no OFFSET file and no checkpoint: its plan rebuilds the DB from the changelog. */
function rebuildTarget(kind: 'rocksdb' | 'leveldb', storeDir: string, changelog: MemoryTopics) {
  return {
    context,
    changelog: changelogPartition,
    sink: changelog.sink(changelogPartition),
    storeDir,
    createEngine: (dir: string | undefined) => createEngine(kind, dir, {}),
    checkpoint: undefined,
    epoch: 2n,
  };
}
