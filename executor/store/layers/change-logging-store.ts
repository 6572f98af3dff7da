import type { BytesStore, EngineWrite } from '../engine.js';
import { WriteLayer } from './write-layer.js';
import type { ChangelogRecord, ChangelogSink } from '../changelog.js';
import { StoreError, StoreErrorCode } from '../errors.js';
import type { StoreContext } from '../store-context.js';

/**
 * Mirrors every write to the store's changelog partition before passing it down; a delete is
 * a tombstone. Records over the changelog's message size are refused here, before anything is
 * written, because Kafka would refuse them only at commit.
 */
export class ChangeLoggingBytesStore extends WriteLayer {
  constructor(
    inner: BytesStore,
    private readonly sink: ChangelogSink,
    private readonly context: StoreContext,
    private readonly maxRecordBytes: number,
  ) {
    super(inner);
  }

  async write(batch: readonly EngineWrite[]): Promise<void> {
    const records: ChangelogRecord[] = [];
    for (const op of batch) {
      const value = op.type === 'put' ? op.value : null;
      const size = op.key.length + (value?.length ?? 0);
      if (size > this.maxRecordBytes) {
        throw new StoreError(
          StoreErrorCode.tooLarge,
          this.context,
          `a record of ${size} bytes (key ${op.key.length} + value ${value?.length ?? 0}) is over the ` +
            `changelog limit of ${this.maxRecordBytes} bytes; store smaller values or raise ` +
            `stores.${this.context.store}.changelog.max-record-bytes (and the topic's max.message.bytes)`,
        );
      }
      records.push({ key: op.key, value });
    }
    this.sink.send(records);
    await this.inner.write(batch);
  }
}
