import type { Serde } from '../../../shared/api/serdes.js';
import type { Entry, KeyValueIterator, KeyValueSnapshot, KeyValueStore } from '../../../shared/api/key-value-store.js';
import { describeError } from '../../../shared/errors.js';
import type { BytesStore, EngineEntry, EngineWrite } from '../engine.js';
import { StoreError, StoreErrorCode } from '../errors.js';
import type { StoreContext } from '../store-context.js';
import { EntryIterator } from './entry-iterator.js';

/** Converts keys and values with the store's serdes; every serde failure names the store and task. */
export class SerializedStore<K, V> implements KeyValueStore<K, V> {
  constructor(
    readonly inner: BytesStore,
    /** Public: interactive queries turn a key from a URL into bytes the way the store does. */
    readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    private readonly context: StoreContext,
  ) {}

  async get(key: K): Promise<V | undefined> {
    const bytes = await this.inner.get(this.keyBytes(key));
    return bytes === undefined ? undefined : this.value(bytes);
  }

  async getAll(keys: readonly K[]): Promise<(V | undefined)[]> {
    const values = await this.inner.getMany(keys.map((key) => this.keyBytes(key)));
    return values.map((bytes) => (bytes === undefined ? undefined : this.value(bytes)));
  }

  put(key: K, value: V): Promise<void> {
    return this.inner.write([{ type: 'put', key: this.keyBytes(key), value: this.valueBytes(value) }]);
  }

  putAll(entries: readonly Entry<K, V>[]): Promise<void> {
    return this.inner.write(entries.map(({ key, value }) => ({ type: 'put', key: this.keyBytes(key), value: this.valueBytes(value) })));
  }

  delete(key: K): Promise<void> {
    return this.inner.write([{ type: 'del', key: this.keyBytes(key) }]);
  }

  deleteAll(keys: readonly K[]): Promise<void> {
    return this.inner.write(keys.map((key) => ({ type: 'del', key: this.keyBytes(key) })));
  }

  /**
   * Puts (value defined) and deletes (value undefined) in one batch: how the cache flushes.
   * Reads `entries` before it returns, so the caller may change them afterwards (the cache does).
   */
  writeBatch(entries: Iterable<{ key: K; value: V | undefined }>): Promise<void> {
    const batch: EngineWrite[] = [];
    for (const { key, value } of entries) {
      const keyBytes = this.keyBytes(key);
      batch.push(value === undefined ? { type: 'del', key: keyBytes } : { type: 'put', key: keyBytes, value: this.valueBytes(value) });
    }
    return this.inner.write(batch);
  }

  range(from: K, to: K): KeyValueIterator<K, V> {
    return new EntryIterator(this.inner.iterate({ gte: this.keyBytes(from), lt: this.keyBytes(to) }), this.decode);
  }

  all(): KeyValueIterator<K, V> {
    return new EntryIterator(this.inner.iterate({}), this.decode);
  }

  snapshot(from: K, to: K): KeyValueSnapshot<K, V> {
    const range = { gte: this.keyBytes(from), lt: this.keyBytes(to) };
    const snapshot = this.inner.snapshot();
    return {
      iterator: () => new EntryIterator(snapshot.iterate(range), this.decode),
      close: () => snapshot.release(),
    };
  }

  async flush(): Promise<void> {}

  private readonly decode = (entry: EngineEntry): Entry<K, V> => ({
    key: this.convert(() => this.keySerde.fromBytes(entry.key), StoreErrorCode.deserialize, 'key'),
    value: this.value(entry.value),
  });

  keyBytes(key: K): Buffer {
    return this.convert(() => this.keySerde.toBytes(key), StoreErrorCode.serialize, 'key');
  }

  private valueBytes(value: V): Buffer {
    return this.convert(() => this.valueSerde.toBytes(value), StoreErrorCode.serialize, 'value');
  }

  private value(bytes: Buffer): V {
    return this.convert(() => this.valueSerde.fromBytes(bytes), StoreErrorCode.deserialize, 'value');
  }

  private convert<T>(run: () => T, code: StoreErrorCode, what: 'key' | 'value'): T {
    try {
      return run();
    } catch (error) {
      const serde = what === 'key' ? this.keySerde.name : this.valueSerde.name;
      const verb = code === StoreErrorCode.serialize ? 'serialize' : 'deserialize';
      throw new StoreError(code, this.context, `cannot ${verb} a ${what} with serde '${serde}': ${describeError(error)}`, {
        cause: error,
      });
    }
  }
}
