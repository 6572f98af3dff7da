import type { Type as ProtobufType } from 'protobufjs';
import { SluiceError } from '../errors.js';

/**
 * Turns values into bytes and back. Key serdes decide the order of `range()` and `all()`, so the
 * number serdes write big-endian with the sign bit flipped: byte order equals numeric order.
 */
export interface Serde<T> {
  readonly name: string;
  toBytes(value: T): Buffer;
  fromBytes(bytes: Buffer): T;
}

function serdeError(serde: string, expected: string, got: unknown): SluiceError {
  const shown = typeof got === 'bigint' ? `${got}n` : (JSON.stringify(got) ?? String(got));
  return new SluiceError('SERDE_INVALID_VALUE', `serde '${serde}' expected ${expected}, got ${shown}`, {
    context: { serde },
  });
}

function expectLength(serde: string, bytes: Buffer, length: number): void {
  if (bytes.length !== length) {
    throw new SluiceError('SERDE_INVALID_BYTES', `serde '${serde}' expected ${length} bytes, got ${bytes.length}`, { context: { serde } });
  }
}

export const stringSerde: Serde<string> = {
  name: 'string',
  toBytes(value) {
    if (typeof value !== 'string') throw serdeError('string', 'a string', value);
    return Buffer.from(value, 'utf8');
  },
  fromBytes: (bytes) => bytes.toString('utf8'),
};

export const jsonSerde: Serde<unknown> = {
  name: 'json',
  toBytes(value) {
    const text = JSON.stringify(value);
    if (text === undefined) throw serdeError('json', 'a JSON-serializable value', value);
    return Buffer.from(text, 'utf8');
  },
  fromBytes: (bytes) => JSON.parse(bytes.toString('utf8')) as unknown,
};

/** A JSON serde typed for the values a task stores; the type is the author's promise. */
export function json<T>(): Serde<T> {
  return jsonSerde as Serde<T>;
}

export const int32Serde: Serde<number> = {
  name: 'int32',
  toBytes(value) {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw serdeError('int32', 'an integer in [-2^31, 2^31)', value);
    }
    const bytes = Buffer.allocUnsafe(4);
    bytes.writeUInt32BE((value ^ 0x80000000) >>> 0);
    return bytes;
  },
  fromBytes(bytes) {
    expectLength('int32', bytes, 4);
    return (bytes.readUInt32BE() ^ 0x80000000) | 0;
  },
};

const INT64_SIGN = 1n << 63n;

export const int64Serde: Serde<bigint> = {
  name: 'int64',
  toBytes(value) {
    if (typeof value !== 'bigint' || value < -INT64_SIGN || value >= INT64_SIGN) {
      throw serdeError('int64', 'a bigint in [-2^63, 2^63)', value);
    }
    const bytes = Buffer.allocUnsafe(8);
    bytes.writeBigUInt64BE(BigInt.asUintN(64, value ^ INT64_SIGN));
    return bytes;
  },
  fromBytes(bytes) {
    expectLength('int64', bytes, 8);
    return BigInt.asIntN(64, bytes.readBigUInt64BE() ^ INT64_SIGN);
  },
};

export const bytesSerde: Serde<Buffer> = {
  name: 'bytes',
  toBytes(value) {
    if (!Buffer.isBuffer(value)) throw serdeError('bytes', 'a Buffer', typeof value);
    return value;
  },
  fromBytes: (bytes) => bytes,
};

/** A serde for a protobufjs message type; values are plain objects of that type's shape. */
export function protobufSerde<T extends object>(type: ProtobufType): Serde<T> {
  const name = `protobuf:${type.fullName.replace(/^\./, '')}`;
  return {
    name,
    toBytes(value) {
      const problem = type.verify(value as Record<string, unknown>);
      if (problem) throw serdeError(name, `a valid message (${problem})`, value);
      return Buffer.from(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
    },
    fromBytes: (bytes) => type.toObject(type.decode(bytes), { longs: String, defaults: true }) as T,
  };
}

/** The serdes a config file can name; user-defined ones are passed as objects instead. */
export const builtInSerdes = {
  string: stringSerde,
  json: jsonSerde,
  int32: int32Serde,
  int64: int64Serde,
  bytes: bytesSerde,
} as const;

export type BuiltInSerdeName = keyof typeof builtInSerdes;
