import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel, type Iterator as LevelIterator } from 'classic-level';
import { SluiceError } from '../../../shared/errors.js';
import type { EngineEntry, EngineIterator, EngineOptions, EngineSnapshot, EngineWrite, KeyRange, KeyValueEngine } from '../engine.js';

/** Entries per `nextv` call: one thread-pool round trip per chunk. */
const CHUNK = 1024;

type Level = ClassicLevel<Buffer, Buffer>;
type LevelSnapshot = ReturnType<Level['snapshot']>;

/**
 * LevelDB through `classic-level` 3, with buffer encodings so bytes pass through untouched and
 * keys order by unsigned byte comparison (LevelDB's bytewise comparator).
 * - `getSync` is classic-level's synchronous read (no thread-pool round trip).
 * - Snapshots are classic-level 3's explicit `db.snapshot()`, passed to iterators.
 * - `compression`: LevelDB only has Snappy, so anything but 'none' means Snappy.
 * - `wal`: LevelDB cannot run without its log, so the option is ignored; see `flush()`.
 * classic-level closes leftover iterators and snapshots in `db.close()`, so nothing is tracked here.
 */
export class LevelDbEngine implements KeyValueEngine {
  readonly kind = 'leveldb' as const;
  private db: Level | undefined;

  constructor(
    readonly path: string,
    private readonly options: EngineOptions = {},
  ) {}

  async open(): Promise<void> {
    if (this.db) return;
    const db = new ClassicLevel<Buffer, Buffer>(this.path, {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
      compression: this.options.compression !== 'none',
      ...(this.options.blockCacheBytes !== undefined && { cacheSize: this.options.blockCacheBytes }),
      ...(this.options.writeBufferBytes !== undefined && { writeBufferSize: this.options.writeBufferBytes }),
    });
    await db.open();
    this.db = db;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    return this.live().get(key);
  }

  readonly getSync = (key: Buffer): Buffer | undefined => this.live().getSync(key);

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    return this.live().getMany([...keys]);
  }

  async write(batch: readonly EngineWrite[]): Promise<void> {
    if (batch.length === 0) return;
    await this.live().batch(
      batch.map((op) =>
        op.type === 'put' ? { type: 'put' as const, key: op.key, value: op.value } : { type: 'del' as const, key: op.key },
      ),
    );
  }

  iterate(range: KeyRange): EngineIterator {
    return new LevelChunkIterator(this.live(), range, undefined);
  }

  snapshot(): EngineSnapshot {
    const db = this.live();
    const snapshot = db.snapshot();
    return {
      iterate: (range) => new LevelChunkIterator(db, range, snapshot),
      release: () => snapshot.close(),
    };
  }

  /**
   * LevelDB hands every write batch to the kernel (append to its `.log`) before the write resolves,
   * so completed writes already survive a process crash; what is missing for power loss is an
   * fsync. A `sync: true` write would do it, but abstract-level drops empty batches and a real
   * record would have to rewrite user data. So this fsyncs the live log files directly (at most
   * the current one and one being compacted) plus the directory, whose entries for new logs
   * LevelDB does not sync. Table files and the manifest are synced by LevelDB itself.
   */
  async flush(): Promise<void> {
    this.live();
    const logs = (await readdir(this.path)).filter((name) => name.endsWith('.log'));
    await Promise.all(logs.map((name) => fsyncPath(join(this.path, name))));
    await fsyncPath(this.path);
  }

  async close(): Promise<void> {
    const db = this.db;
    if (!db) return;
    this.db = undefined;
    await db.close();
  }

  private live(): Level {
    if (!this.db) throw new SluiceError('STORE_CLOSED', `leveldb engine at ${this.path} is not open`);
    return this.db;
  }
}

async function fsyncPath(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    // A log deleted since readdir was retired after its memtable reached a synced table.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

class LevelChunkIterator implements EngineIterator {
  private readonly source: LevelIterator<Level, Buffer, Buffer>;
  private closing: Promise<void> | undefined;

  constructor(db: Level, range: KeyRange, snapshot: LevelSnapshot | undefined) {
    // Only defined bounds are passed: abstract-level runs any present bound, even undefined,
    // through the key encoding.
    this.source = db.iterator({
      ...(range.gte !== undefined && { gte: range.gte }),
      ...(range.lt !== undefined && { lt: range.lt }),
      ...(snapshot !== undefined && { snapshot }),
    });
  }

  async nextChunk(): Promise<EngineEntry[]> {
    if (this.closing) return [];
    const chunk = await this.source.nextv(CHUNK);
    return chunk.map(([key, value]) => ({ key, value }));
  }

  close(): Promise<void> {
    this.closing ??= this.source.close();
    return this.closing;
  }
}
