/**
 * The `application/json` wire format: Mesos's own JSON mapping of its protobufs (stout's
 * JSON::protobuf and protobuf::parse), which is NOT proto3's canonical JSON: field names stay
 * snake_case, enums are names, bytes are base64, 64-bit integers are plain numbers, fields are
 * written in field-number order and unset fields are left out.
 *
 * Decoding accepts what Mesos's parser accepts, so the master double is as lenient as the real
 * master: unknown keys and `null` are ignored, numbers and booleans may come as strings, a lone
 * value stands for a one-element list, and an unknown enum name leaves an optional field unset
 * (proto2 behaviour) but fails a required one.
 */
import type protobuf from 'protobufjs';
import { MesosError } from '../errors.js';
import { buildMesosCodec, codecFailure, errorText, typeNameOf, type MesosCodec, type MessageCodec } from './message-codec.js';
import { checkScalar, describe, modelRules } from './model-rules.js';
import { SKIP, enumChoices, enumOf, invalidMessage, walkMessage, type WalkRules } from './walk-message.js';

export const JSON_CONTENT_TYPE = 'application/json';

const toJsonRules = modelRules((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'));

const fromJsonRules: WalkRules = {
  unknownKeys: 'ignore',
  loneValueAsList: true,
  leaf(field, value, path) {
    const enumType = enumOf(field);
    if (enumType !== undefined) return parseEnum(field, enumType, value, path);
    if (field.type === 'bytes') return parseBase64(value, path);
    const converted = fromString(field, value);
    checkScalar(field, converted, path);
    return converted;
  },
};

export function jsonMessageCodec<T>(type: protobuf.Type): MessageCodec<T> {
  const typeName = typeNameOf(type);
  const context = { type: typeName, format: 'json' };
  return {
    typeName,
    encode(message: T): Uint8Array {
      try {
        return Buffer.from(JSON.stringify(walkMessage(type, message, toJsonRules)), 'utf8');
      } catch (error) {
        throw codecFailure(error, `cannot encode ${typeName} as JSON`, context);
      }
    },
    decode(data: Uint8Array): T {
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
      } catch (error) {
        throw new MesosError('MESOS_DECODE_FAILED', `cannot decode ${typeName}: body is not JSON: ${errorText(error)}`, {
          cause: error,
          context,
        });
      }
      try {
        return walkMessage(type, parsed, fromJsonRules) as T;
      } catch (error) {
        throw codecFailure(error, `invalid ${typeName} in JSON`, context);
      }
    },
  };
}

/** The JSON codecs of every message of our subset. */
export const jsonCodec: MesosCodec = buildMesosCodec('json', JSON_CONTENT_TYPE, jsonMessageCodec);

function parseEnum(field: protobuf.Field, enumType: protobuf.Enum, value: unknown, path: string): unknown {
  if (typeof value !== 'string') {
    throw invalidMessage(path, `expected an enum name (${enumChoices(enumType)}), got ${describe(value)}`);
  }
  if (Object.hasOwn(enumType.values, value)) return value;
  // A newer peer may send a value we do not know; proto2 drops it unless the field is required.
  if (field.required) throw invalidMessage(path, `expected ${enumChoices(enumType)}, got '${value}'`);
  return SKIP;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function parseBase64(value: unknown, path: string): Buffer {
  if (typeof value === 'string' && BASE64.test(value)) return Buffer.from(value, 'base64');
  throw invalidMessage(path, `expected base64 bytes, got ${describe(value)}`);
}

/** Mesos parses numbers and booleans given as JSON strings ("5", "true", "Infinity" aside). */
function fromString(field: protobuf.Field, value: unknown): unknown {
  if (typeof value !== 'string' || field.type === 'string') return value;
  if (field.type === 'bool') return value === 'true' ? true : value === 'false' ? false : value;
  const trimmed = value.trim();
  if (trimmed === '' || !/^[-+0-9.eE]+$/.test(trimmed)) return value;
  const number = Number(trimmed);
  return Number.isNaN(number) ? value : number;
}
