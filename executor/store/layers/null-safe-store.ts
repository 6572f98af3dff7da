import type { Entry, KeyValueIterator, KeyValueSnapshot, KeyValueStore } from '../../../shared/api/key-value-store.js';
import { StoreError, StoreErrorCode } from '../errors.js';
import type { StoreContext } from '../store-context.js';

/**
 * Rejects null and undefined keys and values with an error naming the store and task. A null
 * value would be ambiguous with the changelog's tombstone, so deleting is `delete`, never
 * `put(key, null)`.
 */
export class NullSafeStore<K, V> implements KeyValueStore<K, V> {
  constructor(
    readonly inner: KeyValueStore<K, V>,
    private readonly context: StoreContext,
  ) {}

  get(key: K): Promise<V | undefined> {
    return this.inner.get(this.checkKey(key, 'get'));
  }

  getAll(keys: readonly K[]): Promise<(V | undefined)[]> {
    keys.forEach((key) => this.checkKey(key, 'getAll'));
    return this.inner.getAll(keys);
  }

  put(key: K, value: V): Promise<void> {
    return this.inner.put(this.checkKey(key, 'put'), this.checkValue(value, 'put'));
  }

  putAll(entries: readonly Entry<K, V>[]): Promise<void> {
    for (const entry of entries) {
      this.checkKey(entry.key, 'putAll');
      this.checkValue(entry.value, 'putAll');
    }
    return this.inner.putAll(entries);
  }

  delete(key: K): Promise<void> {
    return this.inner.delete(this.checkKey(key, 'delete'));
  }

  deleteAll(keys: readonly K[]): Promise<void> {
    keys.forEach((key) => this.checkKey(key, 'deleteAll'));
    return this.inner.deleteAll(keys);
  }

  range(from: K, to: K): KeyValueIterator<K, V> {
    return this.inner.range(this.checkKey(from, 'range'), this.checkKey(to, 'range'));
  }

  all(): KeyValueIterator<K, V> {
    return this.inner.all();
  }

  snapshot(from: K, to: K): KeyValueSnapshot<K, V> {
    return this.inner.snapshot(this.checkKey(from, 'snapshot'), this.checkKey(to, 'snapshot'));
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  private checkKey(key: K, operation: string): K {
    if (key === null || key === undefined) {
      throw new StoreError(StoreErrorCode.nullKey, this.context, `${operation} was given a ${key} key; keys must not be null or undefined`);
    }
    return key;
  }

  private checkValue(value: V, operation: string): V {
    if (value === null || value === undefined) {
      throw new StoreError(
        StoreErrorCode.nullValue,
        this.context,
        `${operation} was given a ${value} value; use delete(key) to remove a key`,
      );
    }
    return value;
  }
}
