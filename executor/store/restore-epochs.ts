import { EPOCH_HEADER, epochOf, type OffsetRecord } from './changelog.js';

/**
 * The epoch of each record of one changelog partition, for restore. An owner writes long runs of
 * records with the same 8-byte epoch header, so a header equal to the previous record's gives the
 * previous epoch back without decoding it again: decoding (readBigInt64BE) allocates several
 * BigInts per record, a measurable share of a restore's main-thread time over a million records.
 */
export class RecordEpochs {
  private lastHigh = -1;
  private lastLow = -1;
  private lastEpoch = 0n;

  of(record: OffsetRecord): bigint {
    const header = record.headers?.[EPOCH_HEADER];
    if (!Buffer.isBuffer(header) || header.length !== 8) return epochOf(record);
    const high = header.readUInt32BE(0);
    const low = header.readUInt32BE(4);
    if (high !== this.lastHigh || low !== this.lastLow) {
      this.lastHigh = high;
      this.lastLow = low;
      this.lastEpoch = epochOf(record);
    }
    return this.lastEpoch;
  }
}
