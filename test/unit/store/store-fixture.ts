import { EVERY_WRITER } from '../../../executor/checkpoint/checkpoint.js';
import type { Serde } from '../../../shared/api/serdes.js';
import { stringSerde } from '../../../shared/api/serdes.js';
import { buildStore } from '../../../executor/store/build-store.js';
import type { KeyValueEngine } from '../../../executor/store/engine.js';
import { MemoryEngine } from '../../../executor/store/engines/memory-engine.js';
import type { LocalStore } from '../../../executor/store/local-store.js';
import { MemoryTopics } from '../../../executor/systems/memory/memory-topics.js';
import type { StoreSpec } from '../../../executor/store/store-spec.js';

export const context = { job: 'test-job', store: 'counts', task: 'Partition 0' };
export const changelogPartition = { topic: 'test-job-counts-changelog', partition: 0 };

/** Counts the engine calls a layer makes, to prove cache hits and staging stay off the engine. */
export class CountingEngine implements KeyValueEngine {
  readonly kind = 'memory' as const;
  readonly path = undefined;
  readonly calls = { get: 0, getMany: 0, write: 0 };
  private readonly delegate = new MemoryEngine();
  open = () => this.delegate.open();
  flush = () => this.delegate.flush();
  close = () => this.delegate.close();
  iterate: KeyValueEngine['iterate'] = (range) => this.delegate.iterate(range);
  snapshot = () => this.delegate.snapshot();
  async get(key: Buffer) {
    this.calls.get++;
    return this.delegate.get(key);
  }
  async getMany(keys: readonly Buffer[]) {
    this.calls.getMany++;
    return this.delegate.getMany(keys);
  }
  async write(batch: Parameters<KeyValueEngine['write']>[0]) {
    this.calls.write++;
    return this.delegate.write(batch);
  }
}

export function memoryStore<K = string, V = string>(
  options: Partial<Omit<StoreSpec<K, V>, 'engine'>> & { rawEngine?: KeyValueEngine } = {},
): { store: LocalStore<K, V>; engine: KeyValueEngine; changelog: MemoryTopics } {
  const engine = options.rawEngine ?? new CountingEngine();
  const changelog = new MemoryTopics();
  const spec: StoreSpec<K, V> = {
    name: context.store,
    engine: 'memory',
    keySerde: (options.keySerde ?? stringSerde) as Serde<K>,
    valueSerde: (options.valueSerde ?? stringSerde) as Serde<V>,
    cacheSize: options.cacheSize ?? 100,
    batchSize: options.batchSize ?? 10,
    changelogTopic: changelogPartition.topic,
    maxRecordBytes: options.maxRecordBytes ?? 1024,
    engineOptions: {},
  };
  const store = buildStore({
    spec,
    context,
    engine,
    sink: changelog.sink(changelogPartition),
    storeDir: undefined,
    offset: -1,
    writers: EVERY_WRITER,
    epoch: 0n,
  });
  return { store, engine, changelog };
}

export async function collect<K, V>(iterable: AsyncIterable<{ key: K; value: V }>): Promise<[K, V][]> {
  const out: [K, V][] = [];
  for await (const { key, value } of iterable) out.push([key, value]);
  return out;
}
