import type { CompiledJobConfig } from '../../../shared/config/job-config.js';
import type { Logger } from '../../../shared/log.js';
import type { LocalStore } from '../local-store.js';
import type { StoreSpec } from '../store-spec.js';
import { MySqlCheckpoints } from './mysql-checkpoints.js';
import { MySqlDatabase } from './mysql-database.js';
import { MySqlEngine } from './mysql-engine.js';

/**
 * A container's MySQL side, present when the job's stores are mysql stores (the config check makes
 * that all of them or none): the database handle, the checkpoint store that commits each task in one
 * SQL transaction, and the engines of the tasks' stores. The container hooks it in at three points:
 * checkpoints (load and commit), engines (instead of a restore) and close.
 */
export class MySqlState {
  private constructor(
    private readonly db: MySqlDatabase,
    readonly checkpoints: MySqlCheckpoints,
  ) {}

  /** Undefined for a job without mysql stores. */
  static async open(config: CompiledJobConfig, specs: readonly StoreSpec[], logger: Logger): Promise<MySqlState | undefined> {
    if (!config.mysql || !specs.some((spec) => spec.engine === 'mysql')) return undefined;
    const db = await MySqlDatabase.open(config.mysql);
    return new MySqlState(db, new MySqlCheckpoints(db, logger));
  }

  /** The unopened engine of one store of one task. */
  engine(spec: StoreSpec, task: string): MySqlEngine {
    return new MySqlEngine(this.db, spec.name, task);
  }

  /** Hands each task's built stores to the commit, which applies their staged writes in its transaction. */
  attach(stores: ReadonlyMap<string, ReadonlyMap<string, LocalStore>>): void {
    for (const [task, byName] of stores) {
      const mysqlStores = [...byName.values()].flatMap((store) =>
        store.engine instanceof MySqlEngine ? [{ staged: store.staged, engine: store.engine }] : [],
      );
      this.checkpoints.attach(task, mysqlStores);
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
