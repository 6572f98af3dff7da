import { EVERY_WRITER } from '../../../executor/checkpoint/checkpoint.js';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildStore } from '../../../executor/store/build-store.js';
import { createEngine } from '../../../executor/store/engines/create-engine.js';
import type { EngineKind } from '../../../executor/store/engine.js';
import { MemoryTopics } from '../../../executor/systems/memory/memory-topics.js';
import { bytesSerde, int64Serde, json } from '../../../shared/api/serdes.js';
import { changelogPartition, collect, context } from './store-fixture.js';

/** The whole KeyValueStore API through the full layer stack, on every engine. */
for (const kind of ['rocksdb', 'leveldb', 'memory'] as EngineKind[]) {
  describe(`the store API on ${kind}`, () => {
    async function open<K, V>(
      keySerde: import('../../../shared/api/serdes.js').Serde<K>,
      valueSerde: import('../../../shared/api/serdes.js').Serde<V>,
    ) {
      const dir = kind === 'memory' ? undefined : await mkdtemp(join(tmpdir(), `sluice-api-${kind}-`));
      const engine = createEngine(kind, dir, { wal: false });
      await engine.open();
      const topics = new MemoryTopics();
      const store = buildStore({
        spec: {
          name: context.store,
          engine: kind,
          keySerde,
          valueSerde,
          cacheSize: 4,
          batchSize: 2,
          changelogTopic: changelogPartition.topic,
          maxRecordBytes: 1 << 20,
          engineOptions: {},
        },
        context,
        engine,
        sink: topics.sink(changelogPartition),
        storeDir: undefined,
        offset: -1,
        writers: EVERY_WRITER,
        epoch: 0n,
      });
      return { store, engine, topics };
    }

    it('gets, puts, deletes one and many, across commits and cache evictions', async () => {
      const { store } = await open(int64Serde, json<{ n: number }>());
      await store.api.putAll([-5n, 0n, 7n, 1n << 40n].map((key) => ({ key, value: { n: Number(key % 1000n) } })));
      await store.flushCache();
      await store.commit();
      await store.api.put(3n, { n: 3 });
      await store.api.delete(0n);
      await store.api.deleteAll([7n, 99n]);
      assert.deepEqual(await store.api.get(3n), { n: 3 });
      assert.equal(await store.api.get(0n), undefined);
      assert.deepEqual(await store.api.getAll([-5n, 0n, 3n, 7n, 1n << 40n]), [
        { n: -5 },
        undefined,
        { n: 3 },
        undefined,
        { n: Number((1n << 40n) % 1000n) },
      ]);
      assert.deepEqual(
        (await collect(store.api.all())).map(([key]) => key),
        [-5n, 3n, 1n << 40n],
        'numeric order for int64 keys',
      );
      assert.deepEqual(
        (await collect(store.api.range(-5n, 4n))).map(([key]) => key),
        [-5n, 3n],
      );
      await store.flushCache();
      await store.commit();
      await store.close();
    });

    it('orders binary keys by unsigned bytes, isolates snapshots and closes iterators', async () => {
      const { store } = await open(bytesSerde, bytesSerde);
      const keys = [[0x80], [0x00, 0x01], [0xff, 0xff], [0x7f]].map((bytes) => Buffer.from(bytes));
      for (const key of keys) await store.api.put(key, key);
      await store.flushCache();
      await store.commit();
      const snapshot = store.api.snapshot(Buffer.from([0x00]), Buffer.from([0xff, 0xff, 0x00]));
      await store.api.delete(Buffer.from([0x80]));
      await store.api.put(Buffer.from([0x10]), Buffer.from([1]));
      await store.flushCache();
      await store.commit();
      assert.deepEqual(
        (await collect(snapshot.iterator())).map(([key]) => key.toString('hex')),
        ['0001', '7f', '80', 'ffff'],
      );
      await snapshot.close();
      assert.deepEqual(
        (await collect(store.api.all())).map(([key]) => key.toString('hex')),
        ['0001', '10', '7f', 'ffff'],
      );
      const iterator = store.api.all();
      assert.equal((await iterator.next()).value?.key.toString('hex'), '0001');
      await iterator.close();
      assert.equal((await iterator.next()).done, true);
      await store.close();
    });
  });
}
