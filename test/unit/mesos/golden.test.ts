/**
 * Golden fixtures: the exact bytes and JSON of some calls and events, and of a RecordIO event
 * stream as a master serves it. Any change to the wire format, intended or not, shows up here as
 * a failing test and a fixture diff. To accept an intended change, regenerate and review the diff:
 *
 *   UPDATE_GOLDEN=1 node --import tsx --test test/unit/mesos/golden.test.ts
 *
 * The fixtures' meaning is checked against Apache Mesos's protos by conformance.test.ts (they are
 * made from the same examples).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { RecordIoDecoder, encodeRecordIo, jsonCodec, protobufCodec, type MessageCodec } from '../../../shared/mesos/index.js';
import { decodedForm, example } from './examples.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/mesos/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const GOLDEN = [
  'scheduler-call-subscribe',
  'scheduler-call-accept',
  'scheduler-call-acknowledge',
  'scheduler-event-subscribed',
  'scheduler-event-offers',
  'scheduler-event-update',
  'executor-call-update',
  'executor-event-subscribed',
  'executor-event-launch',
  'master-info',
] as const;

/** Reads a fixture, or writes `actual` to it when regenerating. */
function golden(file: string, actual: string): string {
  const path = join(FIXTURES, file);
  if (UPDATE) writeFileSync(path, actual);
  assert.ok(existsSync(path), `missing fixture ${path}; run with UPDATE_GOLDEN=1 to create it`);
  return readFileSync(path, 'utf8');
}

/** Hex in 64-character lines, so a fixture diff shows where the bytes changed. */
const toHexLines = (bytes: Uint8Array): string =>
  `${Buffer.from(bytes)
    .toString('hex')
    .replace(/(.{64})/g, '$1\n')
    .trim()}\n`;
const fromHexLines = (hex: string): Buffer => Buffer.from(hex.replace(/\s/g, ''), 'hex');

for (const name of GOLDEN) {
  const { key, value } = example(name);
  const pb = protobufCodec[key] as MessageCodec<object>;
  const js = jsonCodec[key] as MessageCodec<object>;

  test(`${name}: protobuf bytes are unchanged and decode to the example`, () => {
    const expected = golden(`${name}.pb.hex`, toHexLines(pb.encode(value)));
    assert.equal(toHexLines(pb.encode(value)), expected);
    assert.deepStrictEqual(pb.decode(fromHexLines(expected)), decodedForm(value));
  });

  test(`${name}: JSON is unchanged and decodes to the example`, () => {
    const compact = Buffer.from(js.encode(value)).toString('utf8');
    const expected = golden(`${name}.json`, `${JSON.stringify(JSON.parse(compact), null, 2)}\n`);
    // Compared compact, so key order (Mesos's field-number order) counts too.
    assert.equal(compact, JSON.stringify(JSON.parse(expected)));
    assert.deepStrictEqual(js.decode(Buffer.from(expected)), decodedForm(value));
  });
}

test('a JSON event stream in RecordIO framing is unchanged and decodes event by event', () => {
  const events = ['scheduler-event-subscribed', 'scheduler-event-heartbeat', 'scheduler-event-offers', 'scheduler-event-update'].map(
    example,
  );
  const stream = Buffer.concat(events.map(({ value }) => encodeRecordIo(jsonCodec.schedulerEvent.encode(value))));
  const expected = golden('scheduler-event-stream.json.recordio', stream.toString('utf8'));
  assert.equal(stream.toString('utf8'), expected);

  const decoder = new RecordIoDecoder();
  const records = decoder.push(Buffer.from(expected, 'utf8'));
  decoder.end();
  assert.deepStrictEqual(
    records.map((record) => jsonCodec.schedulerEvent.decode(record)),
    events.map(({ value }) => decodedForm(value)),
  );
});
