import { SluiceError, type SluiceErrorOptions } from '../../shared/errors.js';
import { describeStore, type StoreContext } from './store-context.js';

/** Codes of every store error, in one table so that callers and tests can match on them. */
export const StoreErrorCode = {
  nullKey: 'STORE_NULL_KEY',
  nullValue: 'STORE_NULL_VALUE',
  serialize: 'STORE_SERIALIZE_FAILED',
  deserialize: 'STORE_DESERIALIZE_FAILED',
  tooLarge: 'STORE_RECORD_TOO_LARGE',
  corruptOffset: 'STORE_OFFSET_CORRUPT',
  changelogMismatch: 'STORE_CHANGELOG_MISMATCH',
  changelogFailed: 'STORE_CHANGELOG_SEND_FAILED',
  closed: 'STORE_CLOSED',
  /** The DB directory is open in another process (a zombie on the same host). */
  inUse: 'STORE_IN_USE',
} as const;

export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

/** An error of one store of one task; its message always names both. */
export class StoreError extends SluiceError {
  constructor(code: StoreErrorCode, store: StoreContext, problem: string, options: Omit<SluiceErrorOptions, 'context'> = {}) {
    super(code, `${describeStore(store)}: ${problem}`, {
      ...options,
      context: { job: store.job, store: store.store, task: store.task },
    });
  }
}
