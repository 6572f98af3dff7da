import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStore } from '../../../executor/store/build-store.js';
import type { ChangelogSink } from '../../../executor/store/changelog.js';
import type { KeyValueEngine } from '../../../executor/store/engine.js';
import { bytesSerde, int64Serde, json, type Serde } from '../../../shared/api/serdes.js';
import { collect, context } from './store-fixture.js';
import { EVERY_WRITER } from '../../../executor/checkpoint/checkpoint.js';

/** How a suite gets a fresh, open engine, and the sink a store of that engine logs to (none for mysql). */
export interface StoreApiTarget {
  readonly engine: KeyValueEngine;
  readonly sink: ChangelogSink | undefined;
  readonly maxKeyBytes?: number;
}

/** The whole KeyValueStore API through the full layer stack, on one engine. */
export function describeStoreApi(name: string, openEngine: () => Promise<StoreApiTarget>): void {
  describe(`the store API on ${name}`, () => {
    async function open<K, V>(keySerde: Serde<K>, valueSerde: Serde<V>) {
      const { engine, sink, maxKeyBytes } = await openEngine();
      const store = buildStore({
        spec: {
          name: context.store,
          engine: engine.kind,
          keySerde,
          valueSerde,
          cacheSize: 4,
          batchSize: 2,
          changelogTopic: sink?.target.topic,
          maxRecordBytes: 1 << 20,
          ...(maxKeyBytes === undefined ? {} : { maxKeyBytes }),
          engineOptions: {},
        },
        context,
        engine,
        sink,
        storeDir: undefined,
        offset: -1,
        writers: EVERY_WRITER,
        epoch: 0n,
      });
      return { store, engine };
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
