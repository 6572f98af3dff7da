/**
 * shared/kafka/partitioner.ts: murmur2 in 32-bit arithmetic is kafkajs's (itself the Java client's)
 * for any key, and a keyed message's partition is the one kafkajs's default partitioner picks; the
 * batching producer's partitioner picks the same and leaves keyless messages to kafkajs.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { recordingPartitioner } from '../../../shared/kafka/batching-producer.js';
import { murmur2, partitionForKey } from '../../../shared/kafka/partitioner.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require(require.resolve('kafkajs/src/producer/partitioners/default/murmur2.js')) as (key: Buffer | string) => number;

const key = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
const metadata = (count: number) =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe('the key partitioner', () => {
  it('hashes every key as kafkajs does', () => {
    fc.assert(
      fc.property(key, (bytes) => assert.equal(murmur2(bytes), kafkajsMurmur2(bytes))),
      { numRuns: 2_000 },
    );
    assert.equal(murmur2(Buffer.from('21')), -973932308, 'the Java client’s value for "21"');
  });

  it('puts a keyed message where kafkajs’s default partitioner and the batching producer’s do', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const recording = recordingPartitioner();
    fc.assert(
      fc.property(key, fc.integer({ min: 1, max: 64 }), (bytes, count) => {
        const args = { topic: 't', partitionMetadata: metadata(count), message: { key: bytes, value: null } };
        const expected = kafkajs(args);
        assert.equal(partitionForKey(count, bytes), expected);
        assert.equal(recording(args), expected);
      }),
      { numRuns: 1_000 },
    );
  });

  it('leaves explicit partitions alone and spreads keyless messages over the partitions with a leader', () => {
    const recording = recordingPartitioner();
    assert.equal(recording({ topic: 't', partitionMetadata: metadata(4), message: { partition: 3, key: 'k', value: null } }), 3);
    const partitionMetadata = metadata(4).map((partition) => (partition.partitionId === 2 ? { ...partition, leader: -1 } : partition));
    const chosen = new Set(Array.from({ length: 30 }, () => recording({ topic: 't', partitionMetadata, message: { value: 'v' } })));
    assert.deepEqual([...chosen].sort(), [0, 1, 3]);
  });
});
