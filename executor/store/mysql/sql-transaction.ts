import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolConnection } from 'mysql2/promise';
import { backoffDelayMs, type Backoff } from '../../../shared/backoff.js';
import { describeError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import type { MySqlDatabase } from './mysql-database.js';
import { isRetriableSqlError, MySqlError, MySqlErrorCode } from './mysql-errors.js';

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoff: Backoff;
}

/** About 25 s of retries: a MariaDB restart takes a few seconds, a lock wait timeout 50 s by default. */
export const COMMIT_RETRY: RetryPolicy = { attempts: 8, backoff: { initialMs: 100, maxMs: 5_000 } };

/**
 * Runs `body` in one READ COMMITTED transaction on a pooled connection, again from the start on a
 * fresh connection after a retriable failure (connection lost, server restarting, lock wait
 * timeout, deadlock, disk full) with backoff, and fails with the cause after the last attempt.
 * READ COMMITTED: the commit only writes rows and reads the fencing row with a locking UPDATE, so
 * REPEATABLE READ's gap locks would only add deadlocks between tasks whose keys are neighbours.
 * The body must be safe to run again after a COMMIT whose answer was lost (write absolute values).
 */
export async function inTransaction<T>(
  db: MySqlDatabase,
  what: string,
  logger: Logger,
  body: (connection: PoolConnection) => Promise<T>,
  policy: RetryPolicy = COMMIT_RETRY,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let connection: PoolConnection | undefined;
    try {
      connection = await db.pool.getConnection();
      await connection.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await connection.beginTransaction();
      const result = await body(connection);
      await connection.commit();
      connection.release();
      if (attempt > 1) logger.info(`${what} succeeded after retrying`, { attempts: attempt });
      return result;
    } catch (error) {
      // A connection in an unknown state never goes back to the pool.
      connection?.destroy();
      if (!isRetriableSqlError(error)) throw error;
      if (attempt >= policy.attempts) {
        throw new MySqlError(MySqlErrorCode.commitFailed, `${what} failed ${attempt} times; last: ${describeError(error)}`, {
          cause: error,
          retriable: true,
        });
      }
      if (attempt === 1) logger.warn(`${what} failed; retrying with backoff`, { error: describeError(error) });
      await sleep(backoffDelayMs(attempt, policy.backoff));
    }
  }
}
