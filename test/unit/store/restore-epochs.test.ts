import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EPOCH_HEADER, encodeEpoch, type OffsetRecord } from '../../../executor/store/changelog.js';
import { RecordEpochs } from '../../../executor/store/restore-epochs.js';

function record(offset: number, header: Buffer | string | undefined): OffsetRecord {
  return { key: Buffer.from('k'), value: null, offset, headers: header === undefined ? {} : { [EPOCH_HEADER]: header } };
}

describe('RecordEpochs', () => {
  it('gives each record the epoch of its own header, across runs of equal and changing headers', () => {
    const epochs = new RecordEpochs();
    const headers = [encodeEpoch(3n), encodeEpoch(3n), encodeEpoch(2n ** 40n + 3n), encodeEpoch(3n), encodeEpoch(0n)];
    assert.deepEqual(
      headers.map((header, offset) => epochs.of(record(offset, header))),
      [3n, 3n, 2n ** 40n + 3n, 3n, 0n],
    );
  });

  it('reads string headers (the in-memory topics) and gives 0 to a record without a usable header', () => {
    const epochs = new RecordEpochs();
    assert.equal(epochs.of(record(0, encodeEpoch(7n))), 7n);
    assert.equal(epochs.of(record(1, '5')), 5n);
    assert.equal(epochs.of(record(2, undefined)), 0n);
    assert.equal(epochs.of(record(3, Buffer.alloc(4))), 0n, 'a header of the wrong length is no epoch');
    assert.equal(epochs.of(record(4, encodeEpoch(7n))), 7n);
  });
});
