import type { EngineKind, EngineOptions, KeyValueEngine } from '../engine.js';
import { LevelDbEngine } from './leveldb-engine.js';
import { MemoryEngine } from './memory-engine.js';
import { RocksDbEngine } from './rocksdb-engine.js';

/** The engine of a kind over a DB directory (ignored by the memory engine). */
export function createEngine(kind: EngineKind, dbDir: string | undefined, options: EngineOptions): KeyValueEngine {
  if (kind === 'memory') return new MemoryEngine();
  if (!dbDir) throw new Error(`the ${kind} engine needs a directory`);
  return kind === 'rocksdb' ? new RocksDbEngine(dbDir, options) : new LevelDbEngine(dbDir, options);
}
