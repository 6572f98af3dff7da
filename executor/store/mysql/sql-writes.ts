import type { Connection, Pool } from 'mysql2/promise';
import type { EngineWrite } from '../engine.js';

/** A pool or a connection: what runs one statement. */
export type Queryable = Pick<Connection, 'query'> | Pick<Pool, 'query'>;

/** Rows per multi-row statement, and bytes: far below max_allowed_packet (16 MiB by default) even hex-escaped. */
const ROWS_PER_STATEMENT = 1000;
const BYTES_PER_STATEMENT = 2 * 1024 * 1024;

/**
 * Applies a batch of writes to one task's rows of a store table, inside whatever transaction the
 * caller holds. Only the last write of a key counts (every write replaces the whole value), so the
 * batch becomes one multi-row upsert and one multi-row delete, whatever their order. The values are
 * absolute, so applying the same batch twice (a retried commit whose first COMMIT did land) leaves
 * the same rows: nothing is applied twice.
 */
export async function applyWrites(sql: Queryable, table: string, task: string, writes: readonly EngineWrite[]): Promise<void> {
  const last = new Map<string, EngineWrite>();
  for (const write of writes) last.set(write.key.toString('latin1'), write);
  const puts: [string, Buffer, Buffer][] = [];
  const deletes: Buffer[] = [];
  for (const write of last.values()) {
    if (write.type === 'put') puts.push([task, write.key, write.value]);
    else deletes.push(write.key);
  }
  for (const chunk of chunks(deletes, (key) => key.length)) {
    await sql.query(`DELETE FROM \`${table}\` WHERE task = ? AND k IN (?)`, [task, chunk]);
  }
  for (const chunk of chunks(puts, (row) => row[1].length + row[2].length)) {
    await sql.query(`INSERT INTO \`${table}\` (task, k, v) VALUES ? ON DUPLICATE KEY UPDATE v = VALUES(v)`, [chunk]);
  }
}

function* chunks<T>(items: readonly T[], size: (item: T) => number): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = size(item);
    if (chunk.length > 0 && (chunk.length >= ROWS_PER_STATEMENT || bytes + itemBytes > BYTES_PER_STATEMENT)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += itemBytes;
  }
  if (chunk.length > 0) yield chunk;
}
