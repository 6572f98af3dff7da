/**
 * readFetchedPartition: what one partition of a fetch response gives (with the patched
 * filterAbortedMessages), on decoded records as kafkajs's fetch v11 decoder yields them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFetchedPartition, type DecodedRecord, type FetchedPartitionData } from '../../../shared/kafka/fetched-partition.js';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

function record(offset: number, value: string, extra: Record<string, unknown> = {}): DecodedRecord {
  const plain = { batchContext: { producerId: '-1', inTransaction: false } };
  return {
    offset: String(offset),
    key: null,
    value: Buffer.from(value),
    timestamp: '1000',
    headers: {},
    ...plain,
    ...extra,
  } as DecodedRecord;
}

/** A record of a transaction of producer `producerId` (kafkajs keeps its record batch's header in batchContext). */
function inTransaction(offset: number, value: string, producerId: string): DecodedRecord {
  return record(offset, value, { batchContext: { producerId, inTransaction: true } });
}

function marker(offset: number, producerId: string, key: Buffer): DecodedRecord {
  return record(offset, '', { key, value: null, isControlRecord: true, batchContext: { producerId, inTransaction: true } });
}

function data(messages: DecodedRecord[], abortedTransactions: FetchedPartitionData['abortedTransactions'] = []): FetchedPartitionData {
  return { partition: 0, errorCode: 0, highWatermark: '100', lastStableOffset: '100', abortedTransactions, messages };
}

const values = (records: readonly { value: Buffer | null }[]) => records.map(({ value }) => String(value));

describe('readFetchedPartition', () => {
  it('hands on the records from the fetched offset and moves past the last', () => {
    const read = readFetchedPartition('11', data([10, 11, 12].map((offset) => record(offset, `v${offset}`))));
    assert.deepEqual(values(read.records), ['v11', 'v12']);
    assert.deepEqual(
      read.records.map(({ offset }) => offset),
      ['11', '12'],
    );
    assert.equal(read.next, '13');
  });

  it('drops aborted transactions and control records, and moves past them', () => {
    const messages = [
      inTransaction(0, 'c1', '7'),
      marker(1, '7', COMMIT),
      inTransaction(2, 'a1', '8'),
      record(3, 'plain'),
      inTransaction(4, 'a2', '8'),
      marker(5, '8', ABORT),
    ];
    const read = readFetchedPartition('0', data(messages, [{ producerId: '8', firstOffset: '2' }]));
    assert.deepEqual(values(read.records), ['c1', 'plain']);
    assert.equal(read.next, '6');
  });

  it('moves past a response of control records only, handing nothing on', () => {
    const read = readFetchedPartition('5', data([marker(5, '8', ABORT)], [{ producerId: '8', firstOffset: '2' }]));
    assert.deepEqual(read.records, []);
    assert.equal(read.next, '6');
  });

  it('moves one on when every record of the response lies before the fetched offset (compacted away)', () => {
    const read = readFetchedPartition('20', data([record(17, 'old'), record(18, 'old')]));
    assert.deepEqual(read.records, []);
    assert.equal(read.next, '21');
  });

  it('stays where it was when the response held no record', () => {
    const read = readFetchedPartition('20', data([]));
    assert.deepEqual(read, { records: [], next: undefined });
  });
});
