import type { Pool } from 'mysql2/promise';
import { MySqlError, MySqlErrorCode } from './mysql-errors.js';

/** A column as Sluice creates it, in the terms information_schema reports. */
interface ColumnShape {
  readonly name: string;
  readonly dataType: string;
  /** Bytes, for the varbinary columns. */
  readonly length?: number;
  readonly nullable: boolean;
}

interface TableShape {
  readonly columns: readonly ColumnShape[];
  readonly primaryKey: readonly string[];
}

/** The widest task name a row can carry (part of every primary key). */
export const MAX_TASK_NAME_BYTES = 255;

/**
 * A store's table: one row per key per task. VARBINARY compares as unsigned bytes with no padding
 * (unlike BINARY, which pads with zero bytes, and unlike VARCHAR, whose collations ignore trailing
 * spaces), so `ORDER BY k` is exactly the local engines' key order, binary keys included.
 */
function storeShape(maxKeyBytes: number): TableShape {
  return {
    columns: [
      { name: 'task', dataType: 'varbinary', length: MAX_TASK_NAME_BYTES, nullable: false },
      { name: 'k', dataType: 'varbinary', length: maxKeyBytes, nullable: false },
      { name: 'v', dataType: 'longblob', nullable: false },
    ],
    primaryKey: ['task', 'k'],
  };
}

/** Per task: its owner epoch (fencing) and its checkpoint, the input offsets as JSON (null before the first commit). */
const TASK_SHAPE: TableShape = {
  columns: [
    { name: 'task', dataType: 'varbinary', length: MAX_TASK_NAME_BYTES, nullable: false },
    { name: 'epoch', dataType: 'bigint', nullable: false },
    { name: 'inputs', dataType: 'longtext', nullable: true },
    { name: 'commits', dataType: 'bigint', nullable: false },
    { name: 'committed_at', dataType: 'datetime', nullable: true },
  ],
  primaryKey: ['task'],
};

export async function ensureStoreTable(pool: Pool, table: string, maxKeyBytes: number): Promise<void> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS \`${table}\` (
       task VARBINARY(${MAX_TASK_NAME_BYTES}) NOT NULL,
       k VARBINARY(${maxKeyBytes}) NOT NULL,
       v LONGBLOB NOT NULL,
       PRIMARY KEY (task, k)
     ) ENGINE=InnoDB`,
  );
  await validateTable(pool, table, storeShape(maxKeyBytes));
}

export async function ensureTaskTable(pool: Pool, table: string): Promise<void> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS \`${table}\` (
       task VARBINARY(${MAX_TASK_NAME_BYTES}) NOT NULL PRIMARY KEY,
       epoch BIGINT NOT NULL,
       inputs LONGTEXT NULL,
       commits BIGINT NOT NULL DEFAULT 0,
       committed_at DATETIME(6) NULL
     ) ENGINE=InnoDB`,
  );
  await validateTable(pool, table, TASK_SHAPE);
}

/** A table created earlier (by an older Sluice, another config or a person) must have exactly Sluice's shape. */
async function validateTable(pool: Pool, table: string, shape: TableShape): Promise<void> {
  const [tables] = await pool.query(
    'SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  );
  const engine = (tables as { engine: string | null }[])[0]?.engine;
  if (engine?.toLowerCase() !== 'innodb')
    mismatch(table, undefined, `the table's engine is ${engine ?? 'none'}, expected InnoDB (transactions)`);
  const [rows] = await pool.query(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, CHARACTER_MAXIMUM_LENGTH AS length, IS_NULLABLE AS nullable, COLUMN_KEY AS columnKey
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table],
  );
  const found = new Map(
    (rows as { name: string; dataType: string; length: number | string | null; nullable: string }[]).map((row) => [row.name, row]),
  );
  for (const column of shape.columns) {
    const row = found.get(column.name);
    const expected = `${column.dataType}${column.length === undefined ? '' : `(${column.length})`} ${column.nullable ? 'NULL' : 'NOT NULL'}`;
    if (!row) mismatch(table, column.name, `the column is missing; expected ${expected}`);
    const actual = `${row.dataType}${column.length === undefined ? '' : `(${row.length})`} ${row.nullable === 'YES' ? 'NULL' : 'NOT NULL'}`;
    if (actual !== expected) mismatch(table, column.name, `found ${actual}, expected ${expected}`);
    found.delete(column.name);
  }
  for (const [extra, row] of found) {
    if (row.nullable !== 'YES') mismatch(table, extra, 'an extra NOT NULL column Sluice would not fill; drop it or make it nullable');
  }
  const [keys] = await pool.query(
    `SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`,
    [table],
  );
  const primaryKey = (keys as { name: string }[]).map((key) => key.name);
  if (primaryKey.join(',') !== shape.primaryKey.join(',')) {
    mismatch(
      table,
      primaryKey[0] ?? shape.primaryKey[0],
      `primary key is (${primaryKey.join(', ')}), expected (${shape.primaryKey.join(', ')})`,
    );
  }
}

function mismatch(table: string, column: string | undefined, problem: string): never {
  throw new MySqlError(
    MySqlErrorCode.schema,
    `MySQL table '${table}'${column === undefined ? '' : `, column '${column}'`}: ${problem}. Sluice owns this table's schema: ` +
      'fix or drop the table, or point mysql.table-prefix elsewhere',
    { context: { table, column } },
  );
}
