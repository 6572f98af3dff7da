import type { EngineEntry, EngineIterator, EngineSnapshot, EngineWrite, KeyRange, KeyValueEngine } from '../engine.js';

/**
 * An ordered in-memory engine for tests and small state. Keys live in a Map under their latin1
 * string, whose code units compare exactly like unsigned bytes; the sorted key list is rebuilt
 * lazily, so writes stay O(1) and only an iteration after writes pays for a sort.
 */
export class MemoryEngine implements KeyValueEngine {
  readonly kind = 'memory' as const;
  readonly path = undefined;
  private readonly entries = new Map<string, Buffer>();
  private sorted: string[] | undefined = [];

  async open(): Promise<void> {}

  async get(key: Buffer): Promise<Buffer | undefined> {
    return this.entries.get(key.toString('latin1'));
  }

  readonly getSync = (key: Buffer): Buffer | undefined => this.entries.get(key.toString('latin1'));

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    return keys.map(this.getSync);
  }

  async write(batch: readonly EngineWrite[]): Promise<void> {
    for (const op of batch) {
      const id = op.key.toString('latin1');
      if (op.type === 'put') {
        if (this.sorted && !this.entries.has(id)) this.sorted = undefined;
        this.entries.set(id, op.value);
      } else if (this.entries.delete(id)) {
        this.sorted = undefined;
      }
    }
  }

  iterate(range: KeyRange): EngineIterator {
    return new ArrayIterator(this.entriesIn(range, this.entries));
  }

  snapshot(): EngineSnapshot {
    // Buffers are never mutated in place, so copying the references is a consistent view.
    const frozen = new Map(this.entries);
    const keys = this.sortedKeys();
    return {
      iterate: (range) => new ArrayIterator(selectRange(keys, range).map((id) => entryOf(id, frozen))),
      release: async () => {},
    };
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  private entriesIn(range: KeyRange, from: Map<string, Buffer>): EngineEntry[] {
    return selectRange(this.sortedKeys(), range).map((id) => entryOf(id, from));
  }

  private sortedKeys(): string[] {
    this.sorted ??= [...this.entries.keys()].sort();
    return this.sorted;
  }
}

function entryOf(id: string, from: Map<string, Buffer>): EngineEntry {
  return { key: Buffer.from(id, 'latin1'), value: from.get(id) as Buffer };
}

function selectRange(sortedKeys: readonly string[], range: KeyRange): string[] {
  const start = range.gte ? lowerBound(sortedKeys, range.gte.toString('latin1')) : 0;
  const end = range.lt ? lowerBound(sortedKeys, range.lt.toString('latin1')) : sortedKeys.length;
  return sortedKeys.slice(start, Math.max(start, end));
}

function lowerBound(sortedKeys: readonly string[], id: string): number {
  let low = 0;
  let high = sortedKeys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sortedKeys[mid] as string) < id) low = mid + 1;
    else high = mid;
  }
  return low;
}

const CHUNK = 1024;

/** Hands out precomputed entries in chunks, like the native engines' iterators. */
export class ArrayIterator implements EngineIterator {
  private position = 0;
  constructor(private entries: readonly EngineEntry[]) {}

  async nextChunk(): Promise<EngineEntry[]> {
    const chunk = this.entries.slice(this.position, this.position + CHUNK);
    this.position += chunk.length;
    return chunk;
  }

  async close(): Promise<void> {
    this.entries = [];
  }
}
