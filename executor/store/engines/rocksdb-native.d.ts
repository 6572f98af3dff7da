/**
 * Minimal types for `rocksdb-native` 3.18 (the package ships none): only what RocksDbEngine uses,
 * written against its JavaScript sources. Keys and values are always Buffers here because the
 * engine opens the database without key/value encodings.
 */
declare module 'rocksdb-native' {
  class RocksDB {
    constructor(path: string, options?: RocksDB.Options);
    /** Opens the database; every other call also waits for it. */
    ready(): Promise<void>;
    /** A session reading at a snapshot taken now; close() it to release the snapshot. */
    snapshot(): RocksDB;
    /** Resolves null for a missing key. */
    get(key: Buffer): Promise<Buffer | null>;
    /** A batch of reads (MultiGet); must be destroy()ed, or close() never resolves. */
    read(options?: RocksDB.BatchOptions): RocksDB.ReadBatch;
    /** An atomic write batch; must be destroy()ed, or close() never resolves. */
    write(options?: RocksDB.BatchOptions): RocksDB.WriteBatch;
    /** A streamx Readable of entries; must be destroy()ed, or close() never resolves. */
    iterator(range: RocksDB.Range, options?: RocksDB.IteratorOptions): RocksDB.Iterator;
    /** Flushes the memtable of the default column family to an SST file and waits for it. */
    flush(): Promise<void>;
    /** On the root database: waits for every batch and iterator, closes sessions, closes. */
    close(): Promise<void>;
  }

  namespace RocksDB {
    interface Options {
      /** Memtable size in bytes (default 64 MiB). */
      writeBufferSize?: number;
      /** false disables the block cache; its size is not configurable (RocksDB's default). */
      blockCache?: boolean;
      /** Keep index and filter blocks in the block cache (default true; needs the cache). */
      tableCacheIndexAndFilterBlocks?: boolean;
    }

    interface BatchOptions {
      /** Initial number of operations; the batch grows past it. */
      capacity?: number;
    }

    interface ReadBatch {
      get(key: Buffer): Promise<Buffer | null>;
      flush(): Promise<void>;
      destroy(): void;
    }

    interface WriteBatch {
      tryPut(key: Buffer, value: Buffer): void;
      tryDelete(key: Buffer): void;
      flush(): Promise<void>;
      destroy(): void;
    }

    /** An empty Buffer bound means "unbounded" to the binding. */
    interface Range {
      gte?: Buffer | undefined;
      lt?: Buffer | undefined;
    }

    interface IteratorOptions {
      /** Entries fetched per native read (default 8). */
      capacity?: number;
    }

    interface Entry {
      key: Buffer;
      value: Buffer;
    }

    interface Iterator {
      readonly destroyed: boolean;
      /** The next buffered entry, or null when none is buffered (yet). */
      read(): Entry | null;
      destroy(): void;
      on(event: 'readable' | 'close', listener: () => void): this;
      on(event: 'error', listener: (error: Error) => void): this;
      once(event: 'close', listener: () => void): this;
    }
  }

  export = RocksDB;
}
