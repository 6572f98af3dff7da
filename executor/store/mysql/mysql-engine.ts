import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { EngineEntry, EngineIterator, EngineSnapshot, EngineWrite, KeyRange, KeyValueEngine } from '../engine.js';
import type { MySqlDatabase } from './mysql-database.js';
import { applyWrites } from './sql-writes.js';

/** Entries per chunk of an iterator: one keyset-paginated SELECT each. */
const CHUNK = 1024;
/** Keys per `IN (…)` of getMany. */
const KEYS_PER_SELECT = 1000;

type Select = (sql: string, params: unknown[]) => Promise<RowDataPacket[]>;

/**
 * One task's rows of a store table as a KeyValueEngine. The table is shared by the store's tasks
 * (primary key (task, k)), so a range scan is a primary-key range read. In a job, the writes do not
 * come through `write`: the task's commit applies them in its own SQL transaction, with its input
 * offsets (mysql-commit.ts); `write` is the engine's own atomic batch, for tests and tools.
 */
export class MySqlEngine implements KeyValueEngine {
  readonly kind = 'mysql' as const;
  /** Where the rows live, for messages (not a directory). */
  readonly path: string;
  readonly table: string;
  private readonly snapshots = new Set<MySqlSnapshot>();

  constructor(
    private readonly db: MySqlDatabase,
    readonly store: string,
    readonly task: string,
  ) {
    this.table = db.storeTable(store);
    this.path = `mysql://${db.config.host}:${db.config.port}/${db.config.database}/${this.table}?task=${encodeURIComponent(task)}`;
  }

  async open(): Promise<void> {
    await this.db.ensureStore(this.store);
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    const [rows] = await this.db.pool.query<RowDataPacket[]>(`SELECT v FROM \`${this.table}\` WHERE task = ? AND k = ?`, [this.task, key]);
    return rows[0]?.v as Buffer | undefined;
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    const found = new Map<string, Buffer>();
    for (let start = 0; start < keys.length; start += KEYS_PER_SELECT) {
      const [rows] = await this.db.pool.query<RowDataPacket[]>(`SELECT k, v FROM \`${this.table}\` WHERE task = ? AND k IN (?)`, [
        this.task,
        keys.slice(start, start + KEYS_PER_SELECT),
      ]);
      for (const row of rows) found.set((row.k as Buffer).toString('latin1'), row.v as Buffer);
    }
    return keys.map((key) => found.get(key.toString('latin1')));
  }

  async write(batch: readonly EngineWrite[]): Promise<void> {
    if (batch.length === 0) return;
    await this.snapshotsStarted();
    const connection = await this.db.pool.getConnection();
    try {
      await connection.beginTransaction();
      await applyWrites(connection, this.table, this.task, batch);
      await connection.commit();
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  iterate(range: KeyRange): EngineIterator {
    return new KeysetIterator(
      (sql, params) => this.db.pool.query<RowDataPacket[]>(sql, params).then(([rows]) => rows),
      this.table,
      this.task,
      range,
    );
  }

  /**
   * A REPEATABLE READ transaction opened WITH CONSISTENT SNAPSHOT on a connection of its own: its
   * reads see the rows as they were when it started. It starts asynchronously, so every write of
   * this engine, and the task's commit (mysql-commit.ts), first waits for snapshots being started.
   */
  snapshot(): EngineSnapshot {
    const snapshot = new MySqlSnapshot(this.db.dedicatedConnection(), this.table, this.task, () => this.snapshots.delete(snapshot));
    this.snapshots.add(snapshot);
    return snapshot;
  }

  /** Resolves once every snapshot taken so far has its read view (failures are the snapshot's own). */
  async snapshotsStarted(): Promise<void> {
    await Promise.all([...this.snapshots].map((snapshot) => snapshot.started.catch(() => undefined)));
  }

  /** Committed transactions are durable (InnoDB's redo log is flushed at each commit). */
  async flush(): Promise<void> {}

  /** Releases open snapshots; the pool belongs to the database handle, which its owner closes. */
  async close(): Promise<void> {
    await Promise.all([...this.snapshots].map((snapshot) => snapshot.release()));
  }
}

class MySqlSnapshot implements EngineSnapshot {
  readonly started: Promise<Connection>;
  private released: Promise<void> | undefined;

  constructor(
    connecting: Promise<Connection>,
    private readonly table: string,
    private readonly task: string,
    private readonly onRelease: () => void,
  ) {
    this.started = connecting.then(async (connection) => {
      await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      return connection;
    });
    this.started.catch(() => undefined);
  }

  iterate(range: KeyRange): EngineIterator {
    const select: Select = async (sql, params) => {
      if (this.released) return [];
      const [rows] = await (await this.started).query<RowDataPacket[]>(sql, params);
      return rows;
    };
    return new KeysetIterator(select, this.table, this.task, range);
  }

  release(): Promise<void> {
    this.released ??= (async () => {
      this.onRelease();
      const connection = await this.started.catch(() => undefined);
      if (!connection) return;
      // Queued behind any read still in flight on this connection, which therefore completes first.
      await connection.query('ROLLBACK').catch(() => undefined);
      await connection.end().catch(() => connection.destroy());
    })();
    return this.released;
  }
}

/** Reads a key range in chunks, each a primary-key range read starting after the last key handed out. */
class KeysetIterator implements EngineIterator {
  private after: Buffer | undefined;
  private done = false;

  constructor(
    private readonly select: Select,
    private readonly table: string,
    private readonly task: string,
    private readonly range: KeyRange,
  ) {}

  async nextChunk(): Promise<EngineEntry[]> {
    if (this.done) return [];
    const where = ['task = ?'];
    const params: unknown[] = [this.task];
    if (this.after) {
      where.push('k > ?');
      params.push(this.after);
    } else if (this.range.gte) {
      where.push('k >= ?');
      params.push(this.range.gte);
    }
    if (this.range.lt) {
      where.push('k < ?');
      params.push(this.range.lt);
    }
    const rows = await this.select(`SELECT k, v FROM \`${this.table}\` WHERE ${where.join(' AND ')} ORDER BY k LIMIT ${CHUNK}`, params);
    if (this.done) return []; // closed while the query ran
    if (rows.length < CHUNK) this.done = true;
    const entries = rows.map((row) => ({ key: row.k as Buffer, value: row.v as Buffer }));
    this.after = entries.at(-1)?.key ?? this.after;
    return entries;
  }

  async close(): Promise<void> {
    this.done = true;
  }
}
