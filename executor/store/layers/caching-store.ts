import type { Entry, KeyValueIterator, KeyValueSnapshot, KeyValueStore } from '../../../shared/api/key-value-store.js';
import { LruMap } from './lru-map.js';
import type { SerializedStore } from './serialized-store.js';

interface Cached<K, V> {
  readonly key: K;
  /** undefined: known to be absent (a miss or a delete). */
  readonly value: V | undefined;
}

/**
 * A write-behind LRU cache of deserialized objects. Hits never leave JavaScript; writes are
 * collected per key, so only the last write of a key per flush reaches the layers below (and so
 * the changelog). Dirty entries go down as one batch when `batchSize` of them wait, or on flush.
 * Objects are cached by reference: a task that mutates a value it got must put it back.
 */
export class CachingStore<K, V> implements KeyValueStore<K, V> {
  private readonly cache = new LruMap<Cached<K, V>>();
  private dirty = new Map<string, Cached<K, V>>();

  constructor(
    readonly inner: SerializedStore<K, V>,
    /** A string that identifies a key: the key itself for strings, its bytes as latin1 otherwise. */
    private readonly keyId: (key: K) => string,
    private readonly capacity: number,
    private readonly batchSize: number,
  ) {}

  async get(key: K): Promise<V | undefined> {
    const id = this.keyId(key);
    const hit = this.cache.use(id);
    if (hit) return hit.value;
    const value = await this.inner.get(key);
    // A put of the same key may have landed while we waited: it wins.
    const raced = this.cache.peek(id);
    if (raced) return raced.value;
    this.remember(id, { key, value });
    return value;
  }

  async getAll(keys: readonly K[]): Promise<(V | undefined)[]> {
    const result: (V | undefined)[] = new Array(keys.length);
    const missing: number[] = [];
    keys.forEach((key, index) => {
      const hit = this.cache.peek(this.keyId(key));
      if (hit) result[index] = hit.value;
      else missing.push(index);
    });
    if (missing.length > 0) {
      const found = await this.inner.getAll(missing.map((index) => keys[index] as K));
      missing.forEach((index, i) => {
        const key = keys[index] as K;
        const id = this.keyId(key);
        const raced = this.cache.peek(id);
        result[index] = raced ? raced.value : found[i];
        if (!raced) this.remember(id, { key, value: found[i] });
      });
    }
    return result;
  }

  put(key: K, value: V): Promise<void> {
    return this.write({ key, value });
  }

  async putAll(entries: readonly Entry<K, V>[]): Promise<void> {
    for (const entry of entries) await this.write({ key: entry.key, value: entry.value });
  }

  delete(key: K): Promise<void> {
    return this.write({ key, value: undefined });
  }

  async deleteAll(keys: readonly K[]): Promise<void> {
    for (const key of keys) await this.write({ key, value: undefined });
  }

  range(from: K, to: K): KeyValueIterator<K, V> {
    return new FlushFirstIterator(this.flushDirty(), () => this.inner.range(from, to));
  }

  all(): KeyValueIterator<K, V> {
    return new FlushFirstIterator(this.flushDirty(), () => this.inner.all());
  }

  snapshot(from: K, to: K): KeyValueSnapshot<K, V> {
    // Dirty entries are handed down synchronously (flushDirty's first step), so the snapshot sees them.
    const flushed = this.flushDirty();
    const snapshot = this.inner.snapshot(from, to);
    return {
      iterator: () => new FlushFirstIterator(flushed, () => snapshot.iterator()),
      close: async () => {
        await flushed;
        await snapshot.close();
      },
    };
  }

  async flush(): Promise<void> {
    await this.flushDirty();
    await this.inner.flush();
  }

  get dirtyCount(): number {
    return this.dirty.size;
  }

  private async write(entry: Cached<K, V>): Promise<void> {
    const id = this.keyId(entry.key);
    this.remember(id, entry);
    this.dirty.set(id, entry);
    if (this.dirty.size >= this.batchSize) await this.flushDirty();
  }

  private flushDirty(): Promise<void> {
    if (this.dirty.size === 0) return Promise.resolve();
    const batch = this.dirty;
    this.dirty = new Map();
    return this.inner.writeBatch(batch.values());
  }

  private remember(id: string, entry: Cached<K, V>): void {
    this.cache.set(id, entry);
    // Evict from the least recently used end, but never a dirty entry: when the oldest is dirty
    // the cache holds on until the next flush (at most batch-size more), instead of searching
    // past it on every put.
    while (this.cache.size > this.capacity) {
      const oldest = this.cache.oldestId() as string;
      if (this.dirty.has(oldest)) break;
      this.cache.delete(oldest);
    }
  }
}

/** An iterator that starts only after the cache's dirty entries reached the store below. */
class FlushFirstIterator<K, V> implements KeyValueIterator<K, V> {
  private source: KeyValueIterator<K, V> | undefined;
  private closed = false;

  constructor(
    private readonly flushed: Promise<void>,
    private readonly open: () => KeyValueIterator<K, V>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Entry<K, V>>> {
    if (this.closed) return { done: true, value: undefined };
    if (!this.source) {
      await this.flushed;
      this.source = this.open();
    }
    return this.source.next();
  }

  async return(): Promise<IteratorResult<Entry<K, V>>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.source?.close();
  }
}
