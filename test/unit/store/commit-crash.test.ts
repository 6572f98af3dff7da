/**
 * The commit order keeps a local DB from running ahead of its checkpoint: the changelog offset
 * goes into the checkpoint first, the engine gets the writes after. A process that dies between
 * the two restarts by replaying that one commit's changelog records onto the DB it kept, not by
 * rebuilding it from the whole changelog.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringSerde } from '../../../shared/api/serdes.js';
import { setLogLevel } from '../../../shared/log.js';
import type { ChangelogPosition } from '../../../executor/checkpoint/checkpoint.js';
import { buildStore } from '../../../executor/store/build-store.js';
import { createEngine } from '../../../executor/store/engines/create-engine.js';
import type { LocalStore } from '../../../executor/store/local-store.js';
import { restoreStores, type RestoreResult } from '../../../executor/store/restore.js';
import { MemoryTopics } from '../../../executor/systems/memory/memory-topics.js';
import { changelogPartition, context } from './store-fixture.js';

setLogLevel('warn');

async function open(
  storeDir: string,
  changelog: MemoryTopics,
  checkpoint: ChangelogPosition | undefined,
): Promise<{ store: LocalStore<string, string>; restored: RestoreResult; rebuilt: boolean[] }> {
  const sink = changelog.sink(changelogPartition);
  const rebuilt: boolean[] = [];
  const [restored] = await restoreStores(
    [
      {
        context,
        changelog: changelogPartition,
        sink,
        storeDir,
        createEngine: (dbDir) => createEngine('rocksdb', dbDir, {}),
        checkpoint,
        epoch: 0n,
      },
    ],
    changelog,
    { deleteRetentionMs: 1e9, onProgress: (_store, _done, _total, fromScratch) => rebuilt.push(fromScratch) },
  );
  assert.ok(restored);
  const spec = {
    name: context.store,
    engine: 'rocksdb' as const,
    keySerde: stringSerde,
    valueSerde: stringSerde,
    cacheSize: 100,
    batchSize: 10,
    changelogTopic: changelogPartition.topic,
    maxRecordBytes: 1024,
    engineOptions: {},
  };
  const store = buildStore({
    spec,
    context,
    engine: restored.engine,
    sink,
    storeDir,
    offset: restored.offset,
    writers: restored.plan.writers,
    epoch: 0n,
  });
  return { store, restored, rebuilt };
}

async function contents(store: LocalStore<string, string>): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for await (const { key, value } of store.api.all()) found[key] = value;
  return found;
}

describe('a commit cut short after its checkpoint', () => {
  it("costs a replay of that commit's changelog records onto the kept DB, and loses nothing", async () => {
    const storeDir = await mkdtemp(join(tmpdir(), 'sluice-commit-crash-'));
    const changelog = new MemoryTopics();
    const first = await open(storeDir, changelog, undefined);
    for (let i = 0; i < 100; i++) await first.store.api.put(`k${i}`, '1');
    await first.store.flushCache();
    const committed = await first.store.commit(); // the whole commit: offsets 0..99, on disk

    await first.store.api.put('k1', '2');
    await first.store.api.put('new', '1');
    await first.store.api.delete('k2');
    await first.store.flushCache();
    const checkpointed = await first.store.changelogAcked(); // what the checkpoint records
    assert.equal(checkpointed.offset, committed.offset + 3);
    // The process dies here: the checkpoint is written, the engine never got this commit's writes.
    await first.store.close();

    const second = await open(storeDir, changelog, checkpointed);
    assert.equal(second.restored.plan.reuseLocal, true, second.restored.plan.reason);
    assert.equal(second.restored.replayed, 3, 'only the cut commit is replayed');
    assert.ok(
      second.rebuilt.length > 0 && second.rebuilt.every((fromScratch) => !fromScratch),
      'the status reports a tail replay, not a rebuild',
    );
    const expected: Record<string, string> = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, '1']));
    expected.k1 = '2';
    expected.new = '1';
    delete expected.k2;
    assert.deepEqual(await contents(second.store), expected);
    await second.store.close();
  });
});
