import type { Serde } from '../../shared/api/serdes.js';
import type { EngineKind, EngineOptions } from './engine.js';

/** Everything needed to build one store for a task, compiled from the job config. */
export interface StoreSpec<K = unknown, V = unknown> {
  readonly name: string;
  readonly engine: EngineKind;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  /** Objects kept in the write-behind cache (entries). */
  readonly cacheSize: number;
  /** Dirty entries that trigger a flush to the changelog. */
  readonly batchSize: number;
  /** The changelog topic; undefined when the store is not logged (its state is then local only). */
  readonly changelogTopic: string | undefined;
  /** A logged store's limit on key + value; a mysql store's limit on a value. */
  readonly maxRecordBytes: number;
  /** A mysql store's key column width (mysql.max-key-bytes); undefined for the local engines. */
  readonly maxKeyBytes?: number;
  readonly engineOptions: EngineOptions;
}
