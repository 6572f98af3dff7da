import type { BytesStore, EngineIterator, EngineSnapshot, EngineWrite, KeyRange } from '../engine.js';

/**
 * A byte layer that only acts on writes (a changelog mirror, a size check): reads pass straight
 * through to the layer below. It has no synchronous read, so the cache above always awaits.
 */
export abstract class WriteLayer implements BytesStore {
  readonly getSync = undefined;

  constructor(readonly inner: BytesStore) {}

  get(key: Buffer): Promise<Buffer | undefined> {
    return this.inner.get(key);
  }

  getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    return this.inner.getMany(keys);
  }

  iterate(range: KeyRange): EngineIterator {
    return this.inner.iterate(range);
  }

  snapshot(): EngineSnapshot {
    return this.inner.snapshot();
  }

  abstract write(batch: readonly EngineWrite[]): Promise<void>;
}
