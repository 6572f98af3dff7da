import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import type { KeyValueEngine } from '../engine.js';
import { StoreError, StoreErrorCode } from '../errors.js';
import type { StoreContext } from '../store-context.js';

/**
 * How long an open waits for another process to let go of a DB. A relaunch on the same agent
 * often starts while its failed predecessor is still exiting (the agent kills a lingering executor
 * after its shutdown grace period); failing at once would only cost another relaunch, with backoff.
 */
export const LOCK_WAIT_MS = 30_000;
const RETRY_MS = 250;

/** Whether an engine's open failed because another holder has the DB's lock file. */
export function isLockHeld(error: unknown): boolean {
  const text = `${describeError(error)} ${describeError((error as { cause?: unknown }).cause ?? '')}`;
  return /\block\b/i.test(text) || /LEVEL_LOCKED/.test(text);
}

/**
 * Opens `engine`, waiting up to `waitMs` while its DB is locked by someone else (said once in the
 * log); then fails with STORE_IN_USE naming the store and the DB.
 */
export async function openWhenUnlocked(
  engine: KeyValueEngine,
  where: { readonly context: StoreContext; readonly dbDir: string | undefined },
  log: Logger,
  waitMs: number = LOCK_WAIT_MS,
): Promise<void> {
  const deadline = performance.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await engine.open();
      return;
    } catch (error) {
      if (!isLockHeld(error)) throw error;
      if (performance.now() >= deadline) {
        throw new StoreError(
          StoreErrorCode.inUse,
          where.context,
          `its DB at ${where.dbDir} stayed locked by another process for ${waitMs / 1000} s (a predecessor of this task on this host that did not exit?)`,
          { cause: error },
        );
      }
      if (attempt === 0)
        log.warn("a store's DB is locked by another process; waiting for it to let go", {
          ...where.context,
          db: where.dbDir,
          seconds: waitMs / 1000,
        });
      await sleep(RETRY_MS);
    }
  }
}
