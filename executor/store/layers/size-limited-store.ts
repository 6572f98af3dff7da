import type { BytesStore, EngineWrite } from '../engine.js';
import { WriteLayer } from './write-layer.js';
import { StoreError, StoreErrorCode } from '../errors.js';
import type { StoreContext } from '../store-context.js';

/** What a store's columns hold, in bytes. */
export interface SizeLimits {
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
}

/**
 * Refuses keys and values wider than the store's columns when they are written, not at commit:
 * a mysql store's writes reach the database only in the commit transaction, where one refused row
 * would fail the whole commit of the task. (A logged store gets this check from its changelog layer.)
 */
export class SizeLimitedStore extends WriteLayer {
  constructor(
    inner: BytesStore,
    private readonly context: StoreContext,
    private readonly limits: SizeLimits,
  ) {
    super(inner);
  }

  async write(batch: readonly EngineWrite[]): Promise<void> {
    const { maxKeyBytes, maxValueBytes } = this.limits;
    for (const op of batch) {
      if (op.key.length > maxKeyBytes) {
        throw new StoreError(
          StoreErrorCode.tooLarge,
          this.context,
          `a key of ${op.key.length} bytes is over the limit of ${maxKeyBytes} bytes (mysql.max-key-bytes, the width of the key column)`,
        );
      }
      if (op.type === 'put' && op.value.length > maxValueBytes) {
        throw new StoreError(
          StoreErrorCode.tooLarge,
          this.context,
          `a value of ${op.value.length} bytes is over the limit of ${maxValueBytes} bytes (stores.${this.context.store}.max-record-bytes)`,
        );
      }
    }
    await this.inner.write(batch);
  }
}
