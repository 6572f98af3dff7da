import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesSerde, int32Serde, json } from '../../../shared/api/serdes.js';
import { CachingStore } from '../../../executor/store/layers/caching-store.js';
import { ChangeLoggingBytesStore } from '../../../executor/store/layers/change-logging-store.js';
import { CommitStagedStore } from '../../../executor/store/layers/commit-staged-store.js';
import { NullSafeStore } from '../../../executor/store/layers/null-safe-store.js';
import { SerializedStore } from '../../../executor/store/layers/serialized-store.js';
import { MemoryEngine } from '../../../executor/store/engines/memory-engine.js';
import { StoreErrorCode } from '../../../executor/store/errors.js';
import { changelogPartition, collect, CountingEngine, memoryStore } from './store-fixture.js';

describe('store layers', () => {
  it('are stacked null-safe → caching → serialized → change-logging → commit-staged → engine', () => {
    const { store, engine } = memoryStore();
    const chain: unknown[] = [];
    let layer: unknown = store.api;
    while (layer && typeof layer === 'object' && 'inner' in layer) {
      chain.push(layer.constructor);
      layer = (layer as { inner: unknown }).inner;
    }
    assert.deepEqual(chain, [NullSafeStore, CachingStore, SerializedStore, ChangeLoggingBytesStore, CommitStagedStore]);
    assert.equal(layer, engine);
  });

  it('reject null and undefined keys and values, naming the store and the task', async () => {
    const { store } = memoryStore();
    const api = store.api as unknown as { put(k: unknown, v: unknown): Promise<void>; get(k: unknown): Promise<unknown> };
    assert.throws(
      () => api.put(null, 'x'),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, StoreErrorCode.nullKey);
        assert.match(error.message, /store 'counts' of task 'Partition 0'/);
        return true;
      },
    );
    assert.throws(() => api.put('k', undefined), /use delete\(key\)/);
    assert.throws(() => api.get(undefined), /store 'counts' of task 'Partition 0'.*undefined key/);
  });

  it('serve hits from the cache without touching the engine', async () => {
    const { store, engine } = memoryStore();
    const counting = engine as CountingEngine;
    await store.api.put('a', '1');
    for (let i = 0; i < 100; i++) assert.equal(await store.api.get('a'), '1');
    assert.equal(await store.api.get('missing'), undefined);
    assert.equal(await store.api.get('missing'), undefined);
    assert.deepEqual(counting.calls, { get: 1, getMany: 0, write: 0 });
  });

  it('send only the last write per key per flush to the changelog, and deletes as tombstones', async () => {
    const { store, changelog } = memoryStore();
    await store.api.put('a', '1');
    await store.api.put('a', '2');
    await store.api.put('b', '1');
    await store.api.delete('b');
    await store.api.put('a', '3');
    await store.flushCache();
    const records = changelog.records(changelogPartition).map((r) => [r.key?.toString(), r.value?.toString() ?? null]);
    assert.deepEqual(records.sort(), [
      ['a', '3'],
      ['b', null],
    ]);
  });

  it('flush dirty entries in batches of batch-size before any commit', async () => {
    const { store, changelog } = memoryStore({ batchSize: 10, cacheSize: 20 });
    for (let i = 0; i < 25; i++) await store.api.put(`k${i}`, 'v');
    assert.equal(changelog.records(changelogPartition).length, 20);
  });

  it('keep the engine untouched until commit, then apply the batch and report the changelog offset', async () => {
    const { store, engine } = memoryStore({ batchSize: 2, cacheSize: 4 });
    for (let i = 0; i < 10; i++) await store.api.put(`k${i}`, `v${i}`);
    assert.equal((engine as CountingEngine).calls.write, 0);
    assert.equal(await store.api.get('k0'), 'v0', 'evicted from the cache, still readable from staging');
    await store.flushCache();
    assert.equal((await store.commit()).offset, 9);
    assert.equal((engine as CountingEngine).calls.write, 1);
    assert.equal((await engine.get(Buffer.from('k9')))?.toString(), 'v9');
    assert.equal(store.changelogOffset, 9);
  });

  it('iterate in unsigned byte order over committed, staged and cached writes', async () => {
    const { store } = memoryStore<Buffer, Buffer>({ keySerde: bytesSerde, valueSerde: bytesSerde, batchSize: 2, cacheSize: 2 });
    const keys = [[0xff], [0x00], [0x80, 0x01], [0x7f], [0x80]].map((bytes) => Buffer.from(bytes));
    for (const key of keys.slice(0, 3)) await store.api.put(key, key);
    await store.flushCache();
    await store.commit();
    for (const key of keys.slice(3)) await store.api.put(key, key);
    await store.api.delete(Buffer.from([0x00]));
    const all = (await collect(store.api.all())).map(([key]) => key.toString('hex'));
    assert.deepEqual(all, ['7f', '80', '8001', 'ff']);
    const range = (await collect(store.api.range(Buffer.from([0x7f]), Buffer.from([0x80, 0x01])))).map(([k]) => k.toString('hex'));
    assert.deepEqual(range, ['7f', '80']);
  });

  it('keep numeric order for int32 keys', async () => {
    const { store } = memoryStore<number, unknown>({ keySerde: int32Serde, valueSerde: json() });
    for (const n of [5, -1, 300, -70000, 0]) await store.api.put(n, { n });
    assert.deepEqual(
      (await collect(store.api.all())).map(([key]) => key),
      [-70000, -1, 0, 5, 300],
    );
  });

  it('give snapshots that later puts and deletes do not change', async () => {
    const { store } = memoryStore();
    await store.api.put('a', '1');
    await store.api.put('b', '1');
    await store.flushCache();
    await store.commit();
    await store.api.put('c', '1');
    const snapshot = store.api.snapshot('a', 'z');
    await store.api.put('a', '2');
    await store.api.delete('b');
    await store.api.put('d', '1');
    await store.flushCache();
    await store.commit();
    assert.deepEqual(await collect(snapshot.iterator()), [
      ['a', '1'],
      ['b', '1'],
      ['c', '1'],
    ]);
    await snapshot.close();
    assert.deepEqual(await collect(store.api.all()), [
      ['a', '2'],
      ['c', '1'],
      ['d', '1'],
    ]);
  });

  it('close iterators on break and on close(), and stop yielding after close', async () => {
    let closed = 0;
    const engine = new (class extends MemoryEngine {
      override iterate(range: Parameters<MemoryEngine['iterate']>[0]) {
        const inner = super.iterate(range);
        return {
          nextChunk: () => inner.nextChunk(),
          close: async () => {
            closed++;
            await inner.close();
          },
        };
      }
    })();
    const { store } = memoryStore({ rawEngine: engine });
    for (const key of ['a', 'b', 'c']) await store.api.put(key, key);
    for await (const entry of store.api.all()) {
      assert.equal(entry.key, 'a');
      break;
    }
    assert.equal(closed, 1);
    const iterator = store.api.range('a', 'z');
    assert.deepEqual((await iterator.next()).value, { key: 'a', value: 'a' });
    await iterator.close();
    await iterator.close();
    assert.equal((await iterator.next()).done, true);
    assert.equal(closed, 2);
  });

  it('name the store and task when a value cannot be deserialized', async () => {
    const { store, engine } = memoryStore<string, unknown>({ valueSerde: json() });
    await engine.write([{ type: 'put', key: Buffer.from('bad'), value: Buffer.from('{not json') }]);
    await assert.rejects(store.api.get('bad'), (error: Error & { code?: string }) => {
      assert.equal(error.code, StoreErrorCode.deserialize);
      assert.match(error.message, /store 'counts' of task 'Partition 0': cannot deserialize a value with serde 'json'/);
      return true;
    });
  });

  it('refuse a record over the changelog size limit, naming the store and task', async () => {
    const { store, changelog } = memoryStore({ maxRecordBytes: 100, batchSize: 1, cacheSize: 1 });
    await assert.rejects(store.api.put('big', 'x'.repeat(200)), (error: Error & { code?: string }) => {
      assert.equal(error.code, StoreErrorCode.tooLarge);
      assert.match(error.message, /store 'counts' of task 'Partition 0': a record of 203 bytes/);
      return true;
    });
    assert.equal(changelog.records(changelogPartition).length, 0);
  });

  it('read many keys with one engine call', async () => {
    const { store, engine } = memoryStore();
    await engine.write(['a', 'b', 'c'].map((k) => ({ type: 'put' as const, key: Buffer.from(k), value: Buffer.from(k + k) })));
    await store.api.put('b', 'new');
    assert.deepEqual(await store.api.getAll(['a', 'b', 'x', 'c']), ['aa', 'new', undefined, 'cc']);
    assert.equal((engine as CountingEngine).calls.getMany, 1);
    assert.deepEqual(await store.api.getAll(['a', 'c']), ['aa', 'cc']);
    assert.equal((engine as CountingEngine).calls.getMany, 1, 'second read is served from the cache');
  });
});
