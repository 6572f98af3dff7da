import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { bytesSerde, int32Serde, int64Serde, jsonSerde, protobufSerde, stringSerde } from '../../../shared/api/serdes.js';

describe('serdes', () => {
  it('round-trip their values', () => {
    fc.assert(fc.property(fc.string(), (s) => stringSerde.fromBytes(stringSerde.toBytes(s)) === s));
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => int32Serde.fromBytes(int32Serde.toBytes(n)) === n));
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => int64Serde.fromBytes(int64Serde.toBytes(n)) === n));
    fc.assert(
      fc.property(fc.jsonValue(), (v) => assert.deepEqual(jsonSerde.fromBytes(jsonSerde.toBytes(v)), JSON.parse(JSON.stringify(v)))),
    );
    assert.deepEqual(bytesSerde.fromBytes(bytesSerde.toBytes(Buffer.from([1, 2]))), Buffer.from([1, 2]));
  });

  it('keep numeric order in byte order for int32 and int64 keys', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        (a, b) => Math.sign(Buffer.compare(int32Serde.toBytes(a), int32Serde.toBytes(b))) === Math.sign(a - b),
      ),
    );
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (a, b) => Math.sign(Buffer.compare(int64Serde.toBytes(a), int64Serde.toBytes(b))) === (a < b ? -1 : a > b ? 1 : 0),
      ),
    );
  });

  it('say what they expected when given the wrong thing', () => {
    assert.throws(() => int32Serde.toBytes(1.5), /serde 'int32' expected an integer in \[-2\^31, 2\^31\), got 1.5/);
    assert.throws(() => int64Serde.toBytes(5 as unknown as bigint), /serde 'int64' expected a bigint/);
    assert.throws(() => int32Serde.fromBytes(Buffer.alloc(3)), /serde 'int32' expected 4 bytes, got 3/);
    assert.throws(() => stringSerde.toBytes(5 as unknown as string), /serde 'string' expected a string, got 5/);
    assert.throws(() => jsonSerde.toBytes(undefined), /serde 'json' expected a JSON-serializable value/);
  });

  it('encode protobuf messages of a protobufjs type', () => {
    const root = protobuf.parse('syntax = "proto3"; message Cart { string user = 1; repeated string items = 2; }').root;
    const serde = protobufSerde<{ user: string; items: string[] }>(root.lookupType('Cart'));
    assert.equal(serde.name, 'protobuf:Cart');
    const bytes = serde.toBytes({ user: 'ann', items: ['pen'] });
    assert.deepEqual(serde.fromBytes(bytes), { user: 'ann', items: ['pen'] });
    assert.throws(() => serde.toBytes({ user: 5 } as never), /serde 'protobuf:Cart' expected a valid message \(user: string expected\)/);
  });
});
