import { stringSerde, type Serde } from '../../shared/api/serdes.js';
import type { ChangelogWriters } from '../checkpoint/checkpoint.js';
import type { ChangelogSink } from './changelog.js';
import type { BytesStore, KeyValueEngine } from './engine.js';
import { CachingStore } from './layers/caching-store.js';
import { ChangeLoggingBytesStore } from './layers/change-logging-store.js';
import { CommitStagedStore } from './layers/commit-staged-store.js';
import { NullSafeStore } from './layers/null-safe-store.js';
import { SerializedStore } from './layers/serialized-store.js';
import { SizeLimitedStore } from './layers/size-limited-store.js';
import { LocalStore } from './local-store.js';
import type { StoreContext } from './store-context.js';
import type { StoreSpec } from './store-spec.js';

export interface BuildStoreInput<K, V> {
  readonly spec: StoreSpec<K, V>;
  readonly context: StoreContext;
  /** The restored, open engine. */
  readonly engine: KeyValueEngine;
  /** The changelog sink, present exactly when the spec names a changelog topic. */
  readonly sink: ChangelogSink | undefined;
  readonly storeDir: string | undefined;
  /** The changelog offset the engine reflects (from restore). */
  readonly offset: number;
  /** Whose changelog records count (from restore). */
  readonly writers: ChangelogWriters;
  /** This owner's epoch. */
  readonly epoch: bigint;
}

/**
 * The only place that knows the order of the layers (outermost first):
 * null-safe → caching (objects) → serialized → change-logging (bytes) → commit-staged → engine;
 * a mysql store has no changelog, and a size-limited layer in its place.
 */
export function buildStore<K, V>(input: BuildStoreInput<K, V>): LocalStore<K, V> {
  const { spec, context, engine, sink } = input;
  const staged = new CommitStagedStore(engine);
  const logged: BytesStore = sink
    ? new ChangeLoggingBytesStore(staged, sink, context, spec.maxRecordBytes)
    : spec.maxKeyBytes !== undefined
      ? new SizeLimitedStore(staged, context, { maxKeyBytes: spec.maxKeyBytes, maxValueBytes: spec.maxRecordBytes })
      : staged;
  const serialized = new SerializedStore(logged, spec.keySerde, spec.valueSerde, context);
  const cache = new CachingStore(serialized, keyIdentity(spec.keySerde, serialized), spec.cacheSize, spec.batchSize);
  const api = new NullSafeStore(cache, context);
  return new LocalStore(context, api, cache, staged, engine, sink, input.storeDir, input.offset, input.writers, input.epoch);
}

/** Cache keys: string keys are their own identity; other keys are identified by their bytes. */
function keyIdentity<K, V>(serde: Serde<K>, serialized: SerializedStore<K, V>): (key: K) => string {
  if (serde === (stringSerde as Serde<unknown>)) return (key) => key as string;
  return (key) => serialized.keyBytes(key).toString('latin1');
}
