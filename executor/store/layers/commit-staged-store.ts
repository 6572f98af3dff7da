import type { BytesStore, EngineEntry, EngineIterator, EngineSnapshot, EngineWrite, KeyRange, KeyValueEngine } from '../engine.js';

/**
 * Holds every write since the last commit in memory and applies them to the engine only at
 * commit, after their changelog records are acknowledged. So the local DB always equals the
 * changelog at a committed offset: after a crash it is reused as it is (only the tail beyond its
 * OFFSET is replayed) and never holds effects of messages that will be processed again.
 */
export class CommitStagedStore implements BytesStore {
  /** The last write of each key since the last commit, by the key's bytes as latin1. */
  private staged = new Map<string, EngineWrite>();
  private stagedBytes = 0;

  constructor(readonly inner: KeyValueEngine) {}

  /** Bytes of keys and values waiting for the next commit; the container commits early past a limit. */
  get pendingBytes(): number {
    return this.stagedBytes;
  }

  get pendingCount(): number {
    return this.staged.size;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    const staged = this.staged.get(key.toString('latin1'));
    if (staged) return valueOf(staged);
    return this.inner.getSync ? this.inner.getSync(key) : this.inner.get(key);
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    const result: (Buffer | undefined)[] = new Array(keys.length);
    const missing: number[] = [];
    keys.forEach((key, index) => {
      const staged = this.staged.get(key.toString('latin1'));
      if (staged) result[index] = valueOf(staged);
      else missing.push(index);
    });
    if (missing.length > 0) {
      const found = await this.inner.getMany(missing.map((index) => keys[index] as Buffer));
      missing.forEach((index, i) => (result[index] = found[i]));
    }
    return result;
  }

  async write(batch: readonly EngineWrite[]): Promise<void> {
    for (const op of batch) {
      const id = op.key.toString('latin1');
      const previous = this.staged.get(id);
      if (previous) this.stagedBytes -= sizeOf(previous);
      this.staged.set(id, op);
      this.stagedBytes += sizeOf(op);
    }
  }

  iterate(range: KeyRange): EngineIterator {
    return new MergingIterator(sortedStaged(this.staged, range), this.inner.iterate(range));
  }

  snapshot(): EngineSnapshot {
    const frozen = new Map(this.staged);
    const engineSnapshot = this.inner.snapshot();
    return {
      iterate: (range) => new MergingIterator(sortedStaged(frozen, range), engineSnapshot.iterate(range)),
      release: () => engineSnapshot.release(),
    };
  }

  /** Writes everything staged to the engine as one batch and makes it durable. */
  async applyToEngine(): Promise<number> {
    const count = this.staged.size;
    if (count > 0) {
      await this.inner.write(this.pendingWrites());
      this.discardPending();
    }
    await this.inner.flush();
    return count;
  }

  /** Everything staged as one batch (one write per key), for a commit that applies it itself (a SQL transaction). */
  pendingWrites(): EngineWrite[] {
    return [...this.staged.values()];
  }

  /** Forgets the staged writes once the caller has made exactly those durable in the engine. */
  discardPending(): void {
    this.staged = new Map();
    this.stagedBytes = 0;
  }
}

function valueOf(op: EngineWrite): Buffer | undefined {
  return op.type === 'put' ? op.value : undefined;
}

function sizeOf(op: EngineWrite): number {
  return op.key.length + (op.type === 'put' ? op.value.length : 0);
}

function sortedStaged(staged: Map<string, EngineWrite>, range: KeyRange): [string, EngineWrite][] {
  const low = range.gte?.toString('latin1');
  const high = range.lt?.toString('latin1');
  const selected: [string, EngineWrite][] = [];
  for (const entry of staged) {
    const id = entry[0];
    if ((low === undefined || id >= low) && (high === undefined || id < high)) selected.push(entry);
  }
  // latin1 code units compare like unsigned bytes, the engines' key order.
  return selected.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Merges staged writes over the engine's entries in key order; a staged delete hides the key. */
class MergingIterator implements EngineIterator {
  private stagedPosition = 0;
  private engineChunk: EngineEntry[] = [];
  private enginePosition = 0;
  private engineDone = false;

  constructor(
    private readonly staged: [string, EngineWrite][],
    private readonly engine: EngineIterator,
  ) {}

  async nextChunk(): Promise<EngineEntry[]> {
    const out: EngineEntry[] = [];
    while (out.length === 0) {
      if (!this.engineDone && this.enginePosition >= this.engineChunk.length) {
        this.engineChunk = await this.engine.nextChunk();
        this.enginePosition = 0;
        this.engineDone = this.engineChunk.length === 0;
      }
      if (this.engineDone) return this.drainStaged(out);
      this.mergeCurrentChunk(out);
    }
    return out;
  }

  async close(): Promise<void> {
    this.stagedPosition = this.staged.length;
    await this.engine.close();
  }

  private mergeCurrentChunk(out: EngineEntry[]): void {
    while (this.enginePosition < this.engineChunk.length) {
      const engineEntry = this.engineChunk[this.enginePosition] as EngineEntry;
      const engineId = engineEntry.key.toString('latin1');
      const next = this.staged[this.stagedPosition];
      if (next && next[0] <= engineId) {
        this.stagedPosition++;
        if (next[0] === engineId) this.enginePosition++;
        if (next[1].type === 'put') out.push(next[1]);
      } else {
        this.enginePosition++;
        out.push(engineEntry);
      }
    }
  }

  private drainStaged(out: EngineEntry[]): EngineEntry[] {
    for (; this.stagedPosition < this.staged.length; this.stagedPosition++) {
      const [, staged] = this.staged[this.stagedPosition] as [string, EngineWrite];
      if (staged.type === 'put') out.push(staged);
    }
    return out;
  }
}
