import type { Entry, KeyValueIterator, KeyValueSnapshot, KeyValueStore } from '../../../shared/api/key-value-store.js';
import { LruMap } from './lru-map.js';
import type { SerializedStore } from './serialized-store.js';

/** A cached key, updated in place by later writes of the key. */
interface Cached<K, V> {
  key: K;
  /** undefined: known to be absent (a miss or a delete). */
  value: V | undefined;
  /** Written since the last flush: listed in `dirty`, and never evicted. */
  dirty: boolean;
}

/**
 * A write-behind LRU cache of deserialized objects. Hits never leave JavaScript; writes are
 * collected per key, so only the last write of a key per flush reaches the layers below (and so
 * the changelog). Dirty entries go down as one batch when `batchSize` of them wait, or on flush.
 * Objects are cached by reference: a task that mutates a value it got must put it back.
 */
export class CachingStore<K, V> implements KeyValueStore<K, V> {
  private readonly cache = new LruMap<Cached<K, V>>();
  /** Entries written since the last flush, each once: the next batch for the layers below. */
  private dirty: Cached<K, V>[] = [];

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
    this.remember(id, { key, value, dirty: false });
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
        if (!raced) this.remember(id, { key, value: found[i], dirty: false });
      });
    }
    return result;
  }

  put(key: K, value: V): Promise<void> {
    return this.write(key, value);
  }

  async putAll(entries: readonly Entry<K, V>[]): Promise<void> {
    for (const entry of entries) await this.write(entry.key, entry.value);
  }

  delete(key: K): Promise<void> {
    return this.write(key, undefined);
  }

  async deleteAll(keys: readonly K[]): Promise<void> {
    for (const key of keys) await this.write(key, undefined);
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
    return this.dirty.length;
  }

  private async write(key: K, value: V | undefined): Promise<void> {
    const id = this.keyId(key);
    const cached = this.cache.use(id);
    if (cached) {
      cached.key = key;
      cached.value = value;
      this.markDirty(cached);
    } else {
      const added: Cached<K, V> = { key, value, dirty: false };
      this.markDirty(added);
      this.remember(id, added);
    }
    if (this.dirty.length >= this.batchSize) await this.flushDirty();
  }

  private markDirty(entry: Cached<K, V>): void {
    if (entry.dirty) return;
    entry.dirty = true;
    this.dirty.push(entry);
  }

  private flushDirty(): Promise<void> {
    if (this.dirty.length === 0) return Promise.resolve();
    const batch = this.dirty;
    this.dirty = [];
    for (const entry of batch) entry.dirty = false;
    // The layer below reads the batch before it returns, so later writes cannot change it.
    return this.inner.writeBatch(batch);
  }

  private remember(id: string, entry: Cached<K, V>): void {
    this.cache.set(id, entry);
    // Evict from the least recently used end, but never a dirty entry: when the oldest is dirty
    // the cache holds on until the next flush (at most batch-size more), instead of searching
    // past it on every put.
    while (this.cache.size > this.capacity) {
      if ((this.cache.oldest() as Cached<K, V>).dirty) break;
      this.cache.deleteOldest();
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
