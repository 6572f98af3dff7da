import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MesosError, RecordIoDecoder, encodeRecordIo, readRecordIo } from '../../../shared/mesos/index.js';

const text = (value: string): Buffer => Buffer.from(value, 'utf8');

/** Records chosen to trip a sloppy decoder: empty, newlines and digits inside, binary, multi-digit lengths. */
const RECORDS: Buffer[] = [
  text('{"type":"SUBSCRIBED"}'),
  Buffer.alloc(0),
  text('12\n34\n'),
  Buffer.from([0x00, 0x0a, 0xff, 0x31, 0x0a]),
  Buffer.alloc(1234, 0x61),
  text('{"type":"HEARTBEAT"}'),
];
const STREAM = Buffer.concat(RECORDS.map(encodeRecordIo));

function decodeChunks(chunks: Uint8Array[], maxRecordBytes?: number): Buffer[] {
  const decoder = new RecordIoDecoder({ maxRecordBytes });
  const records = chunks.flatMap((chunk) => decoder.push(chunk));
  decoder.end();
  return records;
}

function assertCode(fn: () => unknown, code: string, pattern: RegExp): MesosError {
  let caught: MesosError | undefined;
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MesosError);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    caught = error;
    return true;
  });
  return caught as MesosError;
}

test('encodes `<decimal length>\\n<bytes>`, empty records included', () => {
  assert.equal(encodeRecordIo(text('hello')).toString(), '5\nhello');
  assert.equal(encodeRecordIo(Buffer.alloc(0)).toString(), '0\n');
  assert.equal(encodeRecordIo(text('é')).toString(), '2\né');
});

test('decodes several records from one chunk, in order', () => {
  assert.deepStrictEqual(decodeChunks([STREAM]), RECORDS);
});

test('decodes a record split across chunks and one byte at a time', () => {
  assert.deepStrictEqual(decodeChunks([STREAM.subarray(0, 3), STREAM.subarray(3, 40), STREAM.subarray(40)]), RECORDS);
  assert.deepStrictEqual(decodeChunks([...STREAM].map((byte) => Uint8Array.of(byte))), RECORDS);
});

test('decodes the same records wherever the stream is cut in two (every position)', () => {
  for (let cut = 0; cut <= STREAM.length; cut++) {
    assert.deepStrictEqual(decodeChunks([STREAM.subarray(0, cut), STREAM.subarray(cut)]), RECORDS, `cut at ${cut}`);
  }
});

test('decodes the same records for any records and any chunking (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (records, cutSeeds) => {
        const stream = Buffer.concat(records.map(encodeRecordIo));
        const cuts = [...new Set(cutSeeds.map((seed) => seed % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...cuts].map((start, i) => stream.subarray(start, [...cuts, stream.length][i]));
        assert.deepStrictEqual(
          decodeChunks(chunks),
          records.map((record) => Buffer.from(record)),
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('returns copies: reusing a chunk buffer does not change a record', () => {
  const chunk = Buffer.from(encodeRecordIo(text('abc')));
  const decoder = new RecordIoDecoder();
  const [record] = decoder.push(chunk);
  chunk.fill(0);
  assert.equal(record?.toString(), 'abc');
});

test('rejects garbage in the length header, naming the byte', () => {
  assertCode(() => decodeChunks([text('HTTP/1.1 502 Bad Gateway\r\n')]), 'MESOS_RECORDIO_BAD_HEADER', /non-digit byte 0x48 after ''/);
  assertCode(() => decodeChunks([text('12x\n')]), 'MESOS_RECORDIO_BAD_HEADER', /0x78 after '12'/);
  assertCode(() => decodeChunks([text('-1\n')]), 'MESOS_RECORDIO_BAD_HEADER', /0x2d/);
  assertCode(() => decodeChunks([text(' 5\nhello')]), 'MESOS_RECORDIO_BAD_HEADER', /0x20/);
  assertCode(() => decodeChunks([text('5\nhello\n')]), 'MESOS_RECORDIO_BAD_HEADER', /header is empty/);
});

test('rejects a record over the limit before buffering it', () => {
  const decoder = new RecordIoDecoder({ maxRecordBytes: 100 });
  const error = assertCode(() => decoder.push(text('101\nxx')), 'MESOS_RECORDIO_OVERSIZE', /at least 101 bytes exceeds the limit of 100/);
  assert.equal(error.retriable, false);
  assert.equal(decoder.bufferedBytes, 0);
  assert.deepStrictEqual(decodeChunks([encodeRecordIo(Buffer.alloc(100))], 100), [Buffer.alloc(100)]);
});

test('rejects a header that never ends (a missing newline) instead of buffering forever', () => {
  const decoder = new RecordIoDecoder({ maxRecordBytes: 1000 });
  assert.deepStrictEqual(decoder.push(text('100')), []);
  assertCode(() => decoder.push(text('1')), 'MESOS_RECORDIO_OVERSIZE', /at least 1001 bytes exceeds the limit of 1000/);
  assertCode(() => decodeChunks([text('00000')], 1000), 'MESOS_RECORDIO_OVERSIZE', /no newline within 4 digits/);
  assertCode(() => decodeChunks([text('0'.repeat(50))]), 'MESOS_RECORDIO_OVERSIZE', /no newline/);
});

test('stays failed after an error, like Mesos: the next header cannot be found', () => {
  const decoder = new RecordIoDecoder();
  assertCode(() => decoder.push(text('x')), 'MESOS_RECORDIO_BAD_HEADER', /0x78/);
  assertCode(() => decoder.push(encodeRecordIo(text('ok'))), 'MESOS_RECORDIO_FAILED', /already failed: .*0x78/);
});

test('end() reports a stream cut inside a record or a header as retriable truncation', () => {
  const inRecord = new RecordIoDecoder();
  inRecord.push(text('10\nabc'));
  assert.equal(assertCode(() => inRecord.end(), 'MESOS_RECORDIO_TRUNCATED', /after 3 of 10 record bytes/).retriable, true);
  const inHeader = new RecordIoDecoder();
  inHeader.push(text('1'));
  assertCode(() => inHeader.end(), 'MESOS_RECORDIO_TRUNCATED', /inside the length header '1'/);
  const clean = new RecordIoDecoder();
  clean.push(encodeRecordIo(text('a')));
  clean.end();
});

test('readRecordIo yields records from an async byte stream and fails on truncation', async () => {
  async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
    for (const part of parts) yield part;
  }
  const records: Buffer[] = [];
  for await (const record of readRecordIo(chunks(STREAM.subarray(0, 17), STREAM.subarray(17)))) records.push(record);
  assert.deepStrictEqual(records, RECORDS);

  const truncated = readRecordIo(chunks(text('3\nab')));
  await assert.rejects(
    async () => {
      for await (const record of truncated) assert.fail(`unexpected record ${record.toString()}`);
    },
    (error: unknown) => error instanceof MesosError && error.code === 'MESOS_RECORDIO_TRUNCATED',
  );
});

test('rejects a bad limit at construction', () => {
  assert.throws(() => new RecordIoDecoder({ maxRecordBytes: -1 }), RangeError);
  assert.deepStrictEqual(decodeChunks([text('0\n0\n')], 0), [Buffer.alloc(0), Buffer.alloc(0)]);
});
