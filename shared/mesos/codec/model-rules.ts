import type protobuf from 'protobufjs';
import { SKIP, enumChoices, enumOf, invalidMessage, type WalkRules } from './walk-message.js';

/**
 * Rules for our in-memory form of a Mesos message (the types in shared/mesos/types/): snake_case
 * keys, enums as names, bytes as Uint8Array, 64-bit integers as numbers. Both encoders check an
 * object with these before writing it, so a typo or a wrong enum name in our own code fails
 * loudly here instead of silently vanishing from the wire.
 */
export function modelRules(bytesOut: (bytes: Uint8Array) => unknown): WalkRules {
  return {
    unknownKeys: 'reject',
    loneValueAsList: false,
    leaf(field, value, path) {
      const enumType = enumOf(field);
      if (enumType !== undefined) {
        if (typeof value === 'string' && Object.hasOwn(enumType.values, value)) return value;
        throw invalidMessage(path, `expected ${enumChoices(enumType)}, got ${describe(value)}`);
      }
      if (field.type === 'bytes') {
        if (value instanceof Uint8Array) return bytesOut(value);
        throw invalidMessage(path, `expected bytes (Uint8Array), got ${describe(value)}`);
      }
      checkScalar(field, value, path);
      return value;
    },
  };
}

/**
 * Rules that normalize what protobufjs decoded: a value of an enum that our subset does not
 * know comes back as a bare number; proto2 (and so Mesos) treats it as unset, and so do we.
 */
export const decodedRules: WalkRules = {
  unknownKeys: 'ignore',
  loneValueAsList: false,
  leaf(field, value, path) {
    if (enumOf(field) === undefined || typeof value === 'string') return value;
    if (field.required) throw invalidMessage(path, `has enum value ${String(value)}, unknown to our schema`);
    return SKIP;
  },
};

const INT_RANGES: Record<string, readonly [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
  // 64-bit: numbers past 2^53 are accepted but not exact; no Mesos value we use gets there.
  int64: [-(2 ** 63), 2 ** 63],
  sint64: [-(2 ** 63), 2 ** 63],
  sfixed64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
  fixed64: [0, 2 ** 64],
};

/** Checks a string, bool, floating-point or integer value against its proto type. */
export function checkScalar(field: protobuf.Field, value: unknown, path: string): void {
  const type = field.type;
  if (type === 'string') {
    if (typeof value === 'string') return;
  } else if (type === 'bool') {
    if (typeof value === 'boolean') return;
  } else if (type === 'double' || type === 'float') {
    // Finite only: JSON cannot carry NaN or Infinity as numbers.
    if (typeof value === 'number' && Number.isFinite(value)) return;
  } else {
    const range = INT_RANGES[type];
    if (range === undefined) throw invalidMessage(path, `has an unsupported proto type '${type}'`);
    if (typeof value === 'number' && Number.isInteger(value) && value >= range[0] && value <= range[1]) return;
    throw invalidMessage(path, `expected a ${type} (an integer in [${range[0]}, ${range[1]}]), got ${describe(value)}`);
  }
  throw invalidMessage(path, `expected a ${type === 'double' || type === 'float' ? 'finite number' : type}, got ${describe(value)}`);
}

export function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}
