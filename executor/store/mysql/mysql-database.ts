import { createConnection, createPool, type Connection, type Pool, type PoolOptions } from 'mysql2/promise';
import type { MySqlConfig } from '../../../shared/config/job-config.js';
import { MySqlError, MySqlErrorCode } from './mysql-errors.js';
import { ensureStoreTable, ensureTaskTable } from './mysql-schema.js';
import { readPasswordFile } from '../../../shared/secret-file.js';

/**
 * One container's (or one test's) handle on the job's database: the connection pool every mysql
 * store of every task shares, the table names, and the schema checks, done once per table.
 */
export class MySqlDatabase {
  private readonly ensured = new Map<string, Promise<void>>();
  private closed = false;

  private constructor(
    readonly config: MySqlConfig,
    readonly pool: Pool,
    private readonly connectionOptions: PoolOptions,
  ) {}

  /** Reads the password file and creates the pool (connections are opened when first needed). */
  static async open(config: MySqlConfig): Promise<MySqlDatabase> {
    const password = await readPasswordFile(config.passwordFile, 'mysql.password-file');
    const options: PoolOptions = {
      host: config.host,
      port: config.port,
      user: config.user,
      password,
      database: config.database,
      // Keys and values are bytes; numbers in checkpoints are strings already.
      supportBigNumbers: true,
      bigNumberStrings: true,
      connectTimeout: 10_000,
    };
    return new MySqlDatabase(config, createPool({ ...options, connectionLimit: config.poolSize, maxIdle: config.poolSize }), options);
  }

  /** `<prefix>store_<store>`: one table per store, a row per key per task. */
  storeTable(store: string): string {
    return `${this.config.tablePrefix}store_${store}`;
  }

  /** `<prefix>tasks`: each task's owner epoch and checkpoint. */
  get taskTable(): string {
    return `${this.config.tablePrefix}tasks`;
  }

  /** Creates the store's table if absent, or checks it has the shape Sluice creates. Once per table. */
  ensureStore(store: string): Promise<void> {
    return this.ensure(this.storeTable(store), (table) => ensureStoreTable(this.pool, table, this.config.maxKeyBytes));
  }

  ensureTasks(): Promise<void> {
    return this.ensure(this.taskTable, (table) => ensureTaskTable(this.pool, table));
  }

  /**
   * A connection of its own, outside the pool: a snapshot holds its transaction open as long as its
   * reader wants, which must never starve the pool that commits go through.
   */
  async dedicatedConnection(): Promise<Connection> {
    if (this.closed) throw new MySqlError(MySqlErrorCode.closed, `the connection pool of database '${this.config.database}' is closed`);
    return createConnection(this.connectionOptions);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private ensure(table: string, create: (table: string) => Promise<void>): Promise<void> {
    let done = this.ensured.get(table);
    if (!done) {
      done = create(table);
      this.ensured.set(table, done);
      // A failed check is reported to every caller of this attempt, and tried afresh by the next.
      done.catch(() => this.ensured.delete(table));
    }
    return done;
  }
}
