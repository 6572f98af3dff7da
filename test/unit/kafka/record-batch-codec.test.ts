/**
 * kafkajs's record batch codec as scripts/patch-kafkajs.mjs leaves it. The produce request writes
 * an uncompressed record batch straight into one buffer: byte for byte what kafkajs 2.2.4 writes
 * (its per-record Encoders, composed below as the shipped request did), whatever the keys, values,
 * headers and timestamps; compressed batches and values the shipped code refuses take its path.
 * The record decoder, doing offsets and timestamps in numbers while exact, gives every record its
 * exact offset and timestamp, first offsets and timestamps past 2^53 included.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';

const require = createRequire(import.meta.url);
const kafkajs = (path: string): unknown => require(require.resolve(`kafkajs/src/${path}`));

type Value = Buffer | string | null | undefined;
interface Message {
  key?: Value;
  value: Value;
  headers?: Record<string, Buffer | string | (Buffer | string)[]>;
  timestamp?: number | string;
}
interface EncoderLike {
  readonly buffer: Buffer;
  size(): number;
  writeString(value: string | null): EncoderLike;
  writeInt16(value: number): EncoderLike;
  writeInt32(value: number): EncoderLike;
  writeArray(values: unknown[]): EncoderLike;
  writeEncoder(value: EncoderLike): EncoderLike;
}
interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: { topic: string; partitions: { partition: number; firstSequence?: number; messages: Message[] }[] }[];
}

const produceRequest = kafkajs('protocol/requests/produce/v3/request.js') as (args: ProduceArgs) => { encode(): Promise<EncoderLike> };
const Encoder = kafkajs('protocol/encoder.js') as new () => EncoderLike;
const Decoder = kafkajs('protocol/decoder.js') as new (buffer: Buffer) => unknown;
const Long = kafkajs('utils/long.js') as { fromInt(value: number): unknown; fromValue(value: unknown): unknown };
const Record = kafkajs('protocol/recordBatch/record/v0/index.js') as (record: object) => EncoderLike;
const { RecordBatch } = kafkajs('protocol/recordBatch/v0/index.js') as { RecordBatch: (batch: object) => Promise<EncoderLike> };
const decodeRecordBatch = kafkajs('protocol/recordBatch/v0/decoder.js') as (decoder: unknown) => Promise<{
  records: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]> }[];
  inTransaction: boolean;
  producerId: string;
  firstSequence: number;
}>;
const { Types } = kafkajs('protocol/message/compression/index.js') as { Types: { None: number; GZIP: number } };

/** kafkajs 2.2.4's own encoding of a produce request (its shipped produce/v3/request.js, composed from its unpatched parts). */
async function shippedEncoding({
  acks,
  timeout,
  transactionalId = null,
  producerId = Long.fromInt(-1),
  producerEpoch = 0,
  topicData,
}: ProduceArgs): Promise<Buffer> {
  const topics: EncoderLike[] = [];
  for (const { topic, partitions } of topicData) {
    const encodedPartitions: EncoderLike[] = [];
    for (const { partition, messages, firstSequence } of partitions) {
      const dateNow = FIXED_NOW;
      const stamps = messages
        .map((message) => message.timestamp)
        .filter((timestamp) => timestamp != null)
        .sort();
      const timestamps = stamps.length === 0 ? [dateNow] : stamps;
      const firstTimestamp = timestamps[0] as number;
      const records = messages.map((message, i) =>
        Record({ ...message, offsetDelta: i, timestampDelta: ((message.timestamp || dateNow) as number) - firstTimestamp }),
      );
      const recordBatch = await RecordBatch({
        compression: Types.None,
        records,
        firstTimestamp,
        maxTimestamp: timestamps[timestamps.length - 1],
        producerId,
        producerEpoch,
        firstSequence,
        transactional: !!transactionalId,
        lastOffsetDelta: records.length - 1,
      });
      encodedPartitions.push(new Encoder().writeInt32(partition).writeInt32(recordBatch.size()).writeEncoder(recordBatch));
    }
    topics.push(new Encoder().writeString(topic).writeArray(encodedPartitions));
  }
  return new Encoder().writeString(transactionalId).writeInt16(acks).writeInt32(timeout).writeArray(topics).buffer;
}

/** Date.now() fixed, so both encodings stamp timestamp-less messages alike. */
const FIXED_NOW = 1_764_000_000_000;
async function patchedEncoding(args: ProduceArgs): Promise<Buffer> {
  const now = Date.now;
  Date.now = () => FIXED_NOW;
  try {
    return (await produceRequest(args).encode()).buffer;
  } finally {
    Date.now = now;
  }
}

const bytes = fc.oneof(
  fc.constant(null),
  fc.uint8Array({ maxLength: 300 }).map((array) => Buffer.from(array)),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
);
const headerValue = fc.oneof(
  fc.uint8Array({ maxLength: 20 }).map((array) => Buffer.from(array)),
  fc.string({ maxLength: 20 }),
);
const message = fc.record(
  {
    key: bytes,
    value: bytes,
    headers: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })), { maxKeys: 3 }),
    timestamp: fc.oneof(fc.integer({ min: FIXED_NOW - 10 ** 9, max: FIXED_NOW + 10 ** 9 }), fc.constant(FIXED_NOW - 2 ** 40)),
  },
  { requiredKeys: ['value'] },
);
const request = fc.record({
  acks: fc.constantFrom(-1, 1),
  timeout: fc.integer({ min: 0, max: 60_000 }),
  transactionalId: fc.option(fc.string({ minLength: 1, maxLength: 10 }), { nil: null }),
  producerId: fc.option(
    fc.bigInt({ min: 0n, max: 2n ** 40n }).map((id) => Long.fromValue(id)),
    { nil: undefined },
  ),
  producerEpoch: fc.integer({ min: 0, max: 32_767 }),
  topicData: fc.array(
    fc.record({
      topic: fc.string({ minLength: 1, maxLength: 12 }),
      partitions: fc.array(
        fc.record({
          partition: fc.nat(1_000),
          firstSequence: fc.option(fc.nat(2 ** 31 - 1), { nil: undefined }),
          messages: fc.array(message, { minLength: 1, maxLength: 40 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 2 },
  ),
});

/** The record batch of `encoded` (a produce request of one topic and partition), with its first offset and first timestamp replaced. */
function batchOf(encoded: Buffer, topic: string, transactionalId: string | null, firstOffset: bigint, firstTimestamp?: bigint): Buffer {
  // The transactional id, acks, timeout, the topic count, its name, the partition count, its number
  // and its record set's size: then the batch, its first offset first; the first timestamp follows
  // the batch length, leader epoch, magic, CRC, attributes and last offset delta (kafkajs checks no CRC).
  const at = 2 + Buffer.byteLength(transactionalId ?? '') + 2 + 4 + 4 + 2 + Buffer.byteLength(topic) + 4 + 4 + 4;
  const batch = Buffer.from(encoded.subarray(at));
  batch.writeBigInt64BE(firstOffset, 0);
  if (firstTimestamp !== undefined) batch.writeBigInt64BE(firstTimestamp, 8 + 4 + 4 + 1 + 4 + 2 + 4);
  return batch;
}

describe('the produce request’s record batch encoding (kafkajs as patched)', () => {
  it('writes every request byte for byte as kafkajs 2.2.4 does', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (args) => {
        assert.deepEqual(await patchedEncoding(args), await shippedEncoding(args));
      }),
      { numRuns: 300 },
    );
  });

  it('writes a batch that kafkajs decodes back, CRC checked', async () => {
    const messages: Message[] = [
      { key: Buffer.from('k'), value: Buffer.from('v0'), headers: { epoch: Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]) } },
      { key: null, value: 'ünïcode', headers: { a: ['1', Buffer.from('2')] }, timestamp: FIXED_NOW - 5 },
      { value: null, timestamp: String(FIXED_NOW + 7) },
    ];
    const encoded = await patchedEncoding({
      acks: -1,
      timeout: 30_000,
      transactionalId: 'tx',
      producerId: Long.fromValue(42n),
      producerEpoch: 3,
      topicData: [{ topic: 'words', partitions: [{ partition: 5, firstSequence: 17, messages }] }],
    });
    const batch = await decodeRecordBatch(new Decoder(batchOf(encoded, 'words', 'tx', 0n)));
    assert.equal(batch.inTransaction, true);
    assert.equal(batch.producerId, '42');
    assert.equal(batch.firstSequence, 17);
    assert.deepEqual(
      batch.records.map(({ offset, timestamp, key, value, headers }) => ({ offset, timestamp, key, value, headers })),
      [
        {
          offset: '0',
          timestamp: String(FIXED_NOW),
          key: Buffer.from('k'),
          value: Buffer.from('v0'),
          headers: { epoch: Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]) },
        },
        {
          offset: '1',
          timestamp: String(FIXED_NOW - 5),
          key: null,
          value: Buffer.from('ünïcode'),
          headers: { a: [Buffer.from('1'), Buffer.from('2')] },
        },
        { offset: '2', timestamp: String(FIXED_NOW + 7), key: null, value: null, headers: {} },
      ],
    );
  });

  it('leaves compressed batches and values kafkajs refuses to kafkajs', async () => {
    const args: ProduceArgs = {
      acks: -1,
      timeout: 1_000,
      compression: Types.GZIP,
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'a', value: 'b' }] }] }],
    };
    const gzipped = await patchedEncoding(args);
    assert.notDeepEqual(gzipped, await patchedEncoding({ ...args, compression: Types.None }), 'the compressed path compresses');
    const refused = {
      ...args,
      compression: Types.None,
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ value: 5 as unknown as string }] }] }],
    };
    await assert.rejects(patchedEncoding(refused), TypeError, 'a number value is refused, as kafkajs 2.2.4 refuses it');
    const fractional = {
      ...args,
      compression: Types.None,
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ value: 'v', timestamp: FIXED_NOW + 0.5 }] }] }],
    };
    await assert.rejects(patchedEncoding(fractional), RangeError, 'a fractional timestamp is refused, as kafkajs 2.2.4 refuses it');
  });
});

describe('the record decoder (kafkajs as patched)', () => {
  const timestamps = fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { minLength: 1, maxLength: 30 });
  const base = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.bigInt({ min: 2n ** 53n - 40n, max: 2n ** 63n - 100n }));

  it('gives every record its exact offset and timestamp, small or past 2^53', async () => {
    await fc.assert(
      fc.asyncProperty(timestamps, base, base, async (offsets, firstOffset, firstTimestamp) => {
        const messages = offsets.map((delta, i) => ({ value: `v${i}`, timestamp: FIXED_NOW + delta }));
        const encoded = await patchedEncoding({
          acks: -1,
          timeout: 1,
          topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }],
        });
        // kafkajs takes the batch's first timestamp as the first of the timestamps sorted as strings.
        const least = Number(messages.map(({ timestamp }) => String(timestamp)).sort()[0]);
        const batch = await decodeRecordBatch(new Decoder(batchOf(encoded, 't', null, firstOffset, firstTimestamp)));
        assert.deepEqual(
          batch.records.map(({ offset, timestamp }) => ({ offset, timestamp })),
          messages.map(({ timestamp }, i) => ({
            offset: String(firstOffset + BigInt(i)),
            timestamp: String(firstTimestamp + BigInt(timestamp - least)),
          })),
        );
      }),
      { numRuns: 200 },
    );
  });
});
