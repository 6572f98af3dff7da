/**
 * The store stack (buildStore over RocksDB, what a task gets from `context.getStore`) against the
 * raw RocksDB engine under it, on the same keys: 16-byte string keys, 64-byte string values.
 * The stack's changelog is an in-memory MemoryTopics sink, so Kafka is not part of these numbers.
 */
import { EVERY_WRITER } from '../../executor/checkpoint/checkpoint.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringSerde } from '../../shared/api/serdes.js';
import { buildStore } from '../../executor/store/build-store.js';
import type { EngineWrite, KeyValueEngine } from '../../executor/store/engine.js';
import { createEngine } from '../../executor/store/engines/create-engine.js';
import type { LocalStore } from '../../executor/store/local-store.js';
import { STORE_DEFAULTS } from '../../shared/config/job-config.js';
import { MemoryTopics } from '../../executor/systems/memory/memory-topics.js';

/** Distinct keys of the hot working set: they fit the stack's cache (the default cache-size). */
export const HOT_KEYS = STORE_DEFAULTS.cacheSize;
/**
 * Puts between commits. A task commits every `commit-ms` (60 s by default) or past 64 MiB staged;
 * 10k puts is a busy task's share of a 1 s interval, so commits weigh more here than in most jobs.
 */
export const COMMIT_EVERY = 10_000;

export function keyOf(index: number): string {
  return `k${String(index).padStart(15, '0')}`;
}

export function valueOf(index: number): string {
  return `v${String(index).padStart(63, '.')}`;
}

/** A fresh directory per measurement, so no run reads another's SST files. */
export async function scratchDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sluice-bench-'));
}

export async function openEngine(dir: string): Promise<KeyValueEngine> {
  // The WAL is off as for every logged store (rocksdb-native ignores it either way).
  const engine = createEngine('rocksdb', join(dir, 'db'), { wal: false });
  await engine.open();
  return engine;
}

/** The full stack of a logged RocksDB store, its OFFSET file in `dir` as in a container. */
export async function openStack(dir: string): Promise<{ store: LocalStore<string, string>; engine: KeyValueEngine }> {
  const engine = await openEngine(dir);
  const changelog = { topic: 'bench-store-changelog', partition: 0 };
  const store = buildStore({
    spec: {
      name: 'bench',
      engine: 'rocksdb',
      keySerde: stringSerde,
      valueSerde: stringSerde,
      cacheSize: STORE_DEFAULTS.cacheSize,
      batchSize: STORE_DEFAULTS.batchSize,
      changelogTopic: changelog.topic,
      maxRecordBytes: STORE_DEFAULTS.maxRecordBytes,
      engineOptions: { wal: false },
    },
    context: { job: 'bench', store: 'bench', task: 'Partition 0' },
    engine,
    sink: new MemoryTopics().sink(changelog),
    storeDir: dir,
    offset: -1,
    writers: EVERY_WRITER,
    epoch: 0n,
  });
  return { store, engine };
}

/** Operations per second of `ops` awaited calls of `op(i)`. */
export async function opsPerSecond(ops: number, op: (index: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < ops; index++) await op(index);
  return ops / ((performance.now() - started) / 1000);
}

/** What a task's commit does to a store: cache flush, then commit (apply, engine flush, OFFSET). */
export async function commitStore(store: LocalStore<string, string>): Promise<void> {
  await store.flushCache();
  await store.commit();
}

export async function cleanup(dir: string, engine: KeyValueEngine): Promise<void> {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
}

/** Awaited gets of the hot keys: the stack after a warm-up read of every key vs the engine. */
export async function measureHotGets(stackOps: number, rawOps: number): Promise<{ stack: number; raw: number }> {
  const dir = await scratchDir();
  const { store, engine } = await openStack(dir);
  try {
    const keys = Array.from({ length: HOT_KEYS }, (_, index) => keyOf(index));
    const keyBytes = keys.map((key) => Buffer.from(key));
    await engine.write(keys.map((key, index) => ({ type: 'put', key: keyBytes[index] as Buffer, value: Buffer.from(valueOf(index)) })));
    await engine.flush();
    for (const key of keys) await store.api.get(key);
    const stack = await opsPerSecond(stackOps, (index) => store.api.get(keys[index % HOT_KEYS] as string));
    const raw = await opsPerSecond(rawOps, (index) => engine.get(keyBytes[index % HOT_KEYS] as Buffer));
    return { stack, raw };
  } finally {
    await cleanup(dir, engine);
  }
}

/** Awaited puts over the hot keys: the stack with a commit every COMMIT_EVERY puts vs single-put engine writes. */
export async function measureHotPuts(stackOps: number, rawOps: number): Promise<{ stack: number; raw: number }> {
  const keys = Array.from({ length: HOT_KEYS }, (_, index) => keyOf(index));
  const values = Array.from({ length: HOT_KEYS }, (_, index) => valueOf(index));
  const stackDir = await scratchDir();
  const { store, engine } = await openStack(stackDir);
  let stack: number;
  try {
    stack = await opsPerSecond(stackOps, async (index) => {
      await store.api.put(keys[index % HOT_KEYS] as string, values[(index * 7) % HOT_KEYS] as string);
      if ((index + 1) % COMMIT_EVERY === 0) await commitStore(store);
    });
  } finally {
    await cleanup(stackDir, engine);
  }
  const rawDir = await scratchDir();
  const rawEngine = await openEngine(rawDir);
  try {
    const keyBytes = keys.map((key) => Buffer.from(key));
    const valueBytes = values.map((value) => Buffer.from(value));
    const raw = await opsPerSecond(rawOps, (index) =>
      rawEngine.write([{ type: 'put', key: keyBytes[index % HOT_KEYS] as Buffer, value: valueBytes[(index * 7) % HOT_KEYS] as Buffer }]),
    );
    return { stack, raw };
  } finally {
    await cleanup(rawDir, rawEngine);
  }
}

/**
 * `count` distinct keys written once: the stack (put, commit every COMMIT_EVERY) vs engine write
 * batches of COMMIT_EVERY (the size of the batch a commit applies), with one flush at the end so
 * both finish durable; and, to show what the per-commit flush costs, the same batches each flushed.
 */
export async function measureBulkWrites(count: number): Promise<{ stack: number; raw: number; rawFlushEach: number }> {
  const keys = Array.from({ length: count }, (_, index) => keyOf(index));
  const values = Array.from({ length: count }, (_, index) => valueOf(index));
  const stackDir = await scratchDir();
  const { store, engine } = await openStack(stackDir);
  let stack: number;
  try {
    const started = performance.now();
    for (let index = 0; index < count; index++) {
      await store.api.put(keys[index] as string, values[index] as string);
      if ((index + 1) % COMMIT_EVERY === 0) await commitStore(store);
    }
    await commitStore(store);
    stack = count / ((performance.now() - started) / 1000);
  } finally {
    await cleanup(stackDir, engine);
  }
  // The engine takes bytes: serializing is the stack's work, so the baseline gets them ready-made.
  const writes: EngineWrite[] = keys.map((key, index) => ({
    type: 'put',
    key: Buffer.from(key),
    value: Buffer.from(values[index] as string),
  }));
  const rawBatches = async (flushEach: boolean): Promise<number> => {
    const dir = await scratchDir();
    const raw = await openEngine(dir);
    try {
      const started = performance.now();
      for (let from = 0; from < count; from += COMMIT_EVERY) {
        await raw.write(writes.slice(from, from + COMMIT_EVERY));
        if (flushEach) await raw.flush();
      }
      await raw.flush();
      return count / ((performance.now() - started) / 1000);
    } finally {
      await cleanup(dir, raw);
    }
  };
  return { stack, raw: await rawBatches(false), rawFlushEach: await rawBatches(true) };
}
