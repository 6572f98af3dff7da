/**
 * The raw key-value engine under every store: bytes in, bytes out, keys ordered by unsigned byte
 * comparison. Engines know nothing of serdes, caches or changelogs (those are layers above them).
 *
 * Cost model (measured on 2-core machines): an awaited native call costs ~50–80 µs of thread-pool
 * wake-up, so callers batch: `write` takes a whole batch, `getMany` a whole set of keys, and
 * iterators hand out entries in chunks. `getSync` exists where the engine has a synchronous read.
 */
import type { EngineKind } from '../../shared/config/job-config.js';

export interface EngineEntry {
  readonly key: Buffer;
  readonly value: Buffer;
}

export type EngineWrite =
  { readonly type: 'put'; readonly key: Buffer; readonly value: Buffer } | { readonly type: 'del'; readonly key: Buffer };

/** Half-open key range [gte, lt); an absent bound is open. */
export interface KeyRange {
  readonly gte?: Buffer;
  readonly lt?: Buffer;
}

export interface EngineIterator {
  /** The next chunk of entries in key order; an empty array means the end. */
  nextChunk(): Promise<EngineEntry[]>;
  /** Releases native resources; safe to call twice and after the end. */
  close(): Promise<void>;
}

/** A consistent read view: later writes to the engine are not visible through it. */
export interface EngineSnapshot {
  iterate(range: KeyRange): EngineIterator;
  release(): Promise<void>;
}

export interface EngineOptions {
  /** Block cache in bytes (RocksDB, LevelDB). */
  readonly blockCacheBytes?: number;
  /** Memtable / write buffer in bytes (RocksDB, LevelDB). */
  readonly writeBufferBytes?: number;
  readonly compression?: 'none' | 'snappy' | 'lz4' | 'zstd';
  /**
   * Write-ahead log. Off when a changelog makes the store durable: then `flush()` is what puts
   * written data on disk, and only flushed data may be recorded as restored-up-to.
   */
  readonly wal?: boolean;
}

/** What every byte-level layer and engine offers: reads, atomic batches, ordered iteration. */
export interface BytesStore {
  get(key: Buffer): Promise<Buffer | undefined>;
  /** A synchronous read where the engine has one (no thread-pool round trip). */
  readonly getSync?: (key: Buffer) => Buffer | undefined;
  getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]>;
  /** Applies the writes atomically and in order. */
  write(batch: readonly EngineWrite[]): Promise<void>;
  iterate(range: KeyRange): EngineIterator;
  snapshot(): EngineSnapshot;
}

export interface KeyValueEngine extends BytesStore {
  readonly kind: EngineKind;
  /** Directory of the database, or undefined for the memory engine. */
  readonly path: string | undefined;
  open(): Promise<void>;
  /** Makes every completed write durable on disk (memtable flush when the WAL is off). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The engines a job config may name (shared/config/job-config.ts keeps the list). */
export type { EngineKind };
