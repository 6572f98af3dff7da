import protobuf from 'protobufjs';
import { MesosError } from '../errors.js';
import { fieldsByNumber } from '../schema.js';

/**
 * One walk over a message object guided by the reflected schema, shared by every codec so that
 * required fields, lists, nesting and error paths are handled once. What differs between wire
 * formats — how a single scalar, enum or bytes value is checked and converted — is the `leaf` rule.
 *
 * The output is a fresh object in field-number order without unset fields, nulls or empty lists,
 * so the same message decoded from JSON or from protobuf is deep-equal.
 */
export interface WalkRules {
  /** Keys the schema lacks: 'reject' catches typos in our own objects; 'ignore' is Mesos's JSON rule. */
  unknownKeys: 'reject' | 'ignore';
  /** Mesos's JSON parser takes a lone value for a repeated field as a one-element list. */
  loneValueAsList: boolean;
  /** Checks and converts one non-message value; returns SKIP to leave an optional field unset. */
  leaf(field: protobuf.Field, value: unknown, path: string): unknown;
}

/** Returned by a leaf rule to drop a value, as proto2 drops an unknown value of an optional enum. */
export const SKIP: unique symbol = Symbol('skip');

export function walkMessage(type: protobuf.Type, value: unknown, rules: WalkRules, path: string = type.name): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalidMessage(path, `expected an object (${fullName(type)})`);
  if (rules.unknownKeys === 'reject') {
    for (const key of Object.keys(value)) {
      if (type.fields[key] === undefined && value[key] !== undefined) {
        throw invalidMessage(`${path}.${key}`, `is not a field of ${fullName(type)}`);
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const field of fieldsByNumber(type)) {
    const fieldPath = `${path}.${field.name}`;
    const raw = value[field.name];
    const converted = raw === undefined || raw === null ? SKIP : walkField(field, raw, rules, fieldPath);
    if (converted === SKIP) {
      if (field.required) throw invalidMessage(fieldPath, 'is required but missing');
      continue;
    }
    out[field.name] = converted;
  }
  return out;
}

function walkField(field: protobuf.Field, raw: unknown, rules: WalkRules, path: string): unknown {
  if (!field.repeated) {
    if (Array.isArray(raw)) throw invalidMessage(path, 'expected a single value, not a list');
    return walkValue(field, raw, rules, path);
  }
  if (!Array.isArray(raw) && !rules.loneValueAsList) throw invalidMessage(path, 'expected a list');
  const items: unknown[] = Array.isArray(raw) ? raw : [raw];
  const out: unknown[] = [];
  items.forEach((item, index) => {
    const converted = item === null ? SKIP : walkValue(field, item, rules, `${path}[${index}]`);
    if (converted !== SKIP) out.push(converted);
  });
  return out.length === 0 ? SKIP : out;
}

function walkValue(field: protobuf.Field, value: unknown, rules: WalkRules, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return walkMessage(resolved, value, rules, path);
  return rules.leaf(field, value, path);
}

export function invalidMessage(path: string, problem: string): MesosError {
  return new MesosError('MESOS_INVALID_MESSAGE', `${path} ${problem}`, { context: { field: path } });
}

/** The enum a field refers to, or undefined for scalar fields. */
export function enumOf(field: protobuf.Field): protobuf.Enum | undefined {
  return field.resolvedType instanceof protobuf.Enum ? field.resolvedType : undefined;
}

/** "one of A, B, C" for an enum, for error messages that tell what would have been accepted. */
export function enumChoices(type: protobuf.Enum): string {
  return `one of ${Object.keys(type.values).join(', ')}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function fullName(type: protobuf.ReflectionObject): string {
  return type.fullName.replace(/^\./, '');
}
