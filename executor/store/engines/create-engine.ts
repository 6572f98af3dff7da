import { SluiceError } from '../../../shared/errors.js';
import type { EngineKind, EngineOptions, KeyValueEngine } from '../engine.js';
import { LevelDbEngine } from './leveldb-engine.js';
import { MemoryEngine } from './memory-engine.js';
import { RocksDbEngine } from './rocksdb-engine.js';

/** The engine of a local kind over a DB directory (ignored by the memory engine). */
export function createEngine(kind: EngineKind, dbDir: string | undefined, options: EngineOptions): KeyValueEngine {
  if (kind === 'memory') return new MemoryEngine();
  // A mysql engine needs the job's database, which the container opens once for all its stores.
  if (kind === 'mysql')
    throw new SluiceError('STORE_ENGINE_NOT_LOCAL', 'the mysql engine is opened with the job database (MySqlState), not from a directory');
  if (!dbDir) throw new Error(`the ${kind} engine needs a directory`);
  return kind === 'rocksdb' ? new RocksDbEngine(dbDir, options) : new LevelDbEngine(dbDir, options);
}
