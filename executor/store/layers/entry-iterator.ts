import type { Entry, KeyValueIterator } from '../../../shared/api/key-value-store.js';
import type { EngineEntry, EngineIterator } from '../engine.js';

/**
 * Adapts an engine iterator (chunks of bytes) to the API's closable async iterator of entries.
 * It closes the engine iterator at the end, on `break` (via `return`) and on `close()`.
 */
export class EntryIterator<K, V> implements KeyValueIterator<K, V> {
  private chunk: EngineEntry[] = [];
  private position = 0;
  private closed = false;

  constructor(
    private readonly source: EngineIterator,
    private readonly decode: (entry: EngineEntry) => Entry<K, V>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Entry<K, V>>> {
    while (!this.closed && this.position >= this.chunk.length) {
      this.chunk = await this.source.nextChunk();
      this.position = 0;
      if (this.chunk.length === 0) await this.close();
    }
    if (this.closed) return { done: true, value: undefined };
    try {
      return { done: false, value: this.decode(this.chunk[this.position++] as EngineEntry) };
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async return(): Promise<IteratorResult<Entry<K, V>>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.chunk = [];
    await this.source.close();
  }
}
