/**
 * Our Mesos subset against Apache Mesos's own .proto files (see oracle.ts): field by field and
 * enum value by enum value, then every example through both schemas in both directions, bytes
 * and JSON. A missing oracle fails every test here with the packages to install.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { MESSAGE_NAMES, jsonCodec, protobufCodec, type MessageCodec } from '../../../shared/mesos/index.js';
import { mesosRoot, messageType } from '../../../shared/mesos/schema.js';
import { EXAMPLES, decodedForm } from './examples.js';
import { NEWER_THAN_ORACLE, loadOracle, oracleName, oracleType } from './oracle.js';

const NUMERIC: protobuf.IConversionOptions = { enums: Number, longs: Number, bytes: String };
const JSON_LIKE: protobuf.IConversionOptions = { enums: String, longs: Number, bytes: String };

function* reflected(ns: protobuf.NamespaceBase): Generator<protobuf.Type | protobuf.Enum> {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum) yield nested;
    if (nested instanceof protobuf.Namespace) yield* reflected(nested);
  }
}

const name = (object: protobuf.ReflectionObject): string => object.fullName.replace(/^\./, '');
const rule = (field: protobuf.Field): string => (field.repeated ? 'repeated' : field.required ? 'required' : 'optional');
const typeOf = (field: protobuf.Field): string => (field.resolvedType === null ? field.type : oracleName(name(field.resolvedType)));

function compareType(ours: protobuf.Type, theirs: protobuf.Type, problems: string[]): void {
  for (const field of ours.fieldsArray) {
    const where = `${name(ours)}.${field.name} = ${field.id}`;
    const match = theirs.fieldsById[field.id];
    if (match === undefined) {
      problems.push(`${where}: Mesos has no field ${field.id}`);
      continue;
    }
    if (match.name !== field.name) problems.push(`${where}: Mesos names field ${field.id} '${match.name}'`);
    if (typeOf(match) !== typeOf(field)) problems.push(`${where}: type ${typeOf(field)}, Mesos has ${typeOf(match)}`);
    if (rule(match) !== rule(field)) problems.push(`${where}: ${rule(field)}, Mesos has ${rule(match)}`);
    const [ourDefault, theirDefault] = [field.options?.default as unknown, match.options?.default as unknown];
    if (ourDefault !== theirDefault) problems.push(`${where}: default ${ourDefault}, Mesos has ${theirDefault}`);
  }
}

function compareEnum(ours: protobuf.Enum, theirs: protobuf.Enum, problems: string[]): void {
  for (const [valueName, number] of Object.entries(ours.values)) {
    const key = `${name(ours)}.${valueName}`;
    const newer = NEWER_THAN_ORACLE.get(key);
    if (newer !== undefined) {
      if (newer.number !== number) problems.push(`${key} = ${number}: the allow-list says ${newer.number}`);
      continue;
    }
    if (theirs.values[valueName] !== number) {
      problems.push(`${key} = ${number}: Mesos has ${theirs.values[valueName] ?? 'no such value'}`);
    }
  }
}

test('the Apache Mesos .proto oracle is installed and loads', () => {
  const oracle = loadOracle();
  assert.ok(oracle.lookupType('mesos.scheduler.Call'));
  assert.ok(oracle.lookupType('mesos.executor.Event'));
});

test('every message, field and enum value of our subset matches Apache Mesos', () => {
  const oracle = loadOracle();
  const problems: string[] = [];
  let checked = 0;
  for (const ours of reflected(mesosRoot)) {
    const theirs = oracle.lookup(oracleName(name(ours)));
    checked++;
    if (ours instanceof protobuf.Type) {
      if (theirs instanceof protobuf.Type) compareType(ours, theirs, problems);
      else problems.push(`${name(ours)}: no such message in Mesos`);
    } else if (theirs instanceof protobuf.Enum) {
      compareEnum(ours, theirs, problems);
    } else {
      problems.push(`${name(ours)}: no such enum in Mesos`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked > 50, `only ${checked} messages and enums checked`);
});

test('the newer-than-oracle allow-list is exact: each entry is ours and unknown to the oracle', () => {
  loadOracle();
  for (const [key, { number }] of NEWER_THAN_ORACLE) {
    const enumName = key.slice(0, key.lastIndexOf('.'));
    const valueName = key.slice(key.lastIndexOf('.') + 1);
    assert.equal(mesosRoot.lookupEnum(enumName).values[valueName], number, `${key} is not in our subset`);
    const theirs = loadOracle().lookupEnum(oracleName(enumName));
    assert.equal(theirs.values[valueName], undefined, `${key} is known to the oracle now: drop it from the list`);
    assert.equal(theirs.valuesById[number], undefined, `${number} of ${enumName} means something else to the oracle`);
  }
});

const codec = (codecs: typeof protobufCodec, key: keyof typeof MESSAGE_NAMES): MessageCodec<object> => codecs[key] as MessageCodec<object>;

for (const { name: exampleName, key, value } of EXAMPLES) {
  test(`${exampleName}: our bytes mean the same to Mesos's schema, and back`, () => {
    const ours = messageType(MESSAGE_NAMES[key]);
    const theirs = oracleType(MESSAGE_NAMES[key]);
    const bytes = codec(protobufCodec, key).encode(value);

    const theirView = theirs.toObject(theirs.decode(bytes), NUMERIC);
    assert.deepStrictEqual(theirView, ours.toObject(ours.decode(bytes), NUMERIC));

    const theirBytes = theirs.encode(theirs.fromObject(theirView)).finish();
    assert.deepStrictEqual(Buffer.from(theirBytes), Buffer.from(bytes), 'Mesos encodes the same message to other bytes');
    assert.deepStrictEqual(codec(protobufCodec, key).decode(theirBytes), decodedForm(value));
  });

  test(`${exampleName}: our JSON is Mesos's JSON of the same message`, () => {
    const theirs = oracleType(MESSAGE_NAMES[key]);
    const ourJson = JSON.parse(Buffer.from(codec(jsonCodec, key).encode(value)).toString('utf8')) as Record<string, unknown>;
    const theirJson = theirs.toObject(theirs.decode(codec(protobufCodec, key).encode(value)), JSON_LIKE);
    // The oracle shows a type value it does not know (NEWER_THAN_ORACLE) as its number.
    if (typeof theirJson.type === 'number') {
      const newer = NEWER_THAN_ORACLE.get(`${MESSAGE_NAMES[key]}.Type.${String(ourJson.type)}`);
      assert.equal(newer?.number, theirJson.type, `type ${theirJson.type} is unknown to the oracle`);
      theirJson.type = ourJson.type;
    }
    assert.deepStrictEqual(theirJson, ourJson);
  });
}

test('the examples set every field of our subset and every Call/Event type', () => {
  const seen = new Set<string>();
  const visit = (type: protobuf.Type, value: Record<string, unknown>): void => {
    for (const field of type.fieldsArray) {
      const item = value[field.name];
      if (item === undefined) continue;
      const typeName = name(type);
      seen.add(`${typeName}.${field.name}`);
      if (field.resolvedType instanceof protobuf.Enum) {
        for (const enumValue of [item].flat()) seen.add(`${name(field.resolvedType)}.${String(enumValue)}`);
      }
      if (field.resolvedType instanceof protobuf.Type) {
        for (const nested of [item].flat()) visit(field.resolvedType, nested as Record<string, unknown>);
      }
    }
  };
  for (const { key, value } of EXAMPLES) visit(messageType(MESSAGE_NAMES[key]), value as Record<string, unknown>);

  // Messages reachable from the top-level ones (Value itself is not: only its nested types are).
  const reachable = new Set<protobuf.Type>();
  const reach = (type: protobuf.Type): void => {
    if (reachable.has(type)) return;
    reachable.add(type);
    for (const field of type.fieldsArray) if (field.resolvedType instanceof protobuf.Type) reach(field.resolvedType);
  };
  for (const typeName of Object.values(MESSAGE_NAMES)) reach(messageType(typeName));
  const expected: string[] = [];
  for (const type of reachable) expected.push(...type.fieldsArray.map((field) => `${name(type)}.${field.name}`));
  for (const api of ['scheduler', 'executor']) {
    for (const kind of ['Call', 'Event']) {
      const typeEnum = mesosRoot.lookupEnum(`mesos.v1.${api}.${kind}.Type`);
      expected.push(...Object.keys(typeEnum.values).map((value) => `${name(typeEnum)}.${value}`));
    }
  }
  assert.deepEqual(
    expected.filter((key) => !seen.has(key)),
    [],
    'fields or types no example sets',
  );
});
