/**
 * The store a task reads and writes. Obtain one with `context.getStore(name)` in `init`.
 *
 * Writes are buffered in a write-behind cache and reach the local engine and the store's Kafka
 * changelog at commit, so `put` is cheap; reads see every earlier write. Keys are ordered by
 * their serialized bytes (the number serdes keep numeric order).
 *
 * @example
 * ```ts
 * const counts = context.getStore<string, number>('counts');
 * const seen = (await counts.get(word)) ?? 0;
 * await counts.put(word, seen + 1);
 * for await (const { key, value } of counts.range('a', 'b')) console.log(key, value); // closes itself
 * ```
 */
export interface KeyValueStore<K, V> {
  get(key: K): Promise<V | undefined>;
  /** Values in the order of `keys`; undefined where a key has no value. */
  getAll(keys: readonly K[]): Promise<(V | undefined)[]>;
  put(key: K, value: V): Promise<void>;
  putAll(entries: readonly Entry<K, V>[]): Promise<void>;
  /** Removes the key; the changelog gets a tombstone. */
  delete(key: K): Promise<void>;
  deleteAll(keys: readonly K[]): Promise<void>;
  /** Entries with from <= key < to, in key order. Close the iterator if you stop early. */
  range(from: K, to: K): KeyValueIterator<K, V>;
  all(): KeyValueIterator<K, V>;
  /** A view of [from, to) that later writes do not change; close it when done. */
  snapshot(from: K, to: K): KeyValueSnapshot<K, V>;
  /** Pushes buffered writes down to the changelog; the next commit makes them durable. */
  flush(): Promise<void>;
}

export interface Entry<K, V> {
  readonly key: K;
  readonly value: V;
}

/**
 * An ordered, closable iterator. `for await` closes it at the end or on `break`; call `close()`
 * yourself when you pull entries with `next()` and stop early.
 */
export interface KeyValueIterator<K, V> extends AsyncIterableIterator<Entry<K, V>> {
  close(): Promise<void>;
}

export interface KeyValueSnapshot<K, V> {
  iterator(): KeyValueIterator<K, V>;
  close(): Promise<void>;
}
