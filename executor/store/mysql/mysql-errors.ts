import { SluiceError } from '../../../shared/errors.js';

/** Codes of the MySQL store's own errors, in one table. */
export const MySqlErrorCode = {
  /** A Sluice table exists with another shape than the one Sluice creates. */
  schema: 'MYSQL_SCHEMA_MISMATCH',
  /** A commit transaction failed, after retries where retrying could help. */
  commitFailed: 'MYSQL_COMMIT_FAILED',
  closed: 'MYSQL_CLOSED',
} as const;

export type MySqlErrorCode = (typeof MySqlErrorCode)[keyof typeof MySqlErrorCode];

export class MySqlError extends SluiceError {}

/**
 * Server and client errors after which the same transaction, tried again on a fresh connection,
 * can succeed: the server restarting or unreachable, a dropped connection, a lock wait timeout, a
 * deadlock, a full disk (the server waits for space; InnoDB then rolls the statement back). Keyed
 * by mysql2's `code`, which names both server errors (ER_*) and socket errors.
 */
const RETRIABLE = new Set([
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_QUERY_INTERRUPTED',
  'ER_CONNECTION_KILLED',
  'ER_RECORD_FILE_FULL',
  'ER_DISK_FULL',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOENT',
]);

/** Errors whose numbers mysql2 has no name for on MariaDB (1927: connection killed, 4031: idle disconnect). */
const RETRIABLE_NUMBERS = new Set([1927, 4031, 2006, 2013]);

export function isRetriableSqlError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno, fatal } = error as { code?: unknown; errno?: unknown; fatal?: unknown };
  if (typeof code === 'string' && RETRIABLE.has(code)) return true;
  if (typeof errno === 'number' && RETRIABLE_NUMBERS.has(errno)) return true;
  // A fatal error closed the connection (the server went away mid-statement): a fresh one may work.
  return fatal === true;
}
