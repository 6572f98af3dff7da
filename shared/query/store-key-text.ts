/**
 * The store-key text of interactive queries (`GET …/stores/<store>/<key>`), one reading for both
 * sides: the scheduler turns it into the key's bytes to find the task that holds it, the container
 * into the key its store API takes. Only the built-in serdes have a text form; a key of a serde the
 * job module defines is passed on as the text itself (only the container knows that serde).
 */
import { builtInSerdes, type BuiltInSerdeName, type Serde } from '../api/serdes.js';
import { SluiceError } from '../errors.js';

export function isBuiltInSerde(name: string): name is BuiltInSerdeName {
  return Object.hasOwn(builtInSerdes, name);
}

/**
 * The key a text names, as a value of its built-in serde: a string for string keys, the UTF-8 bytes
 * for bytes, a number for int32, a bigint for int64, the parsed value for json. Bad text is a
 * QUERY_KEY_INVALID error that says what the serde expects.
 */
export function storeKeyFromText(serde: BuiltInSerdeName, text: string, store: string): unknown {
  const invalid = (expected: string) =>
    new SluiceError('QUERY_KEY_INVALID', `store '${store}' has ${serde} keys; '${text}' is not ${expected}`, {
      context: { store, serde, key: text },
    });
  switch (serde) {
    case 'string':
      return text;
    case 'bytes':
      return Buffer.from(text, 'utf8');
    case 'int32': {
      const value = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw invalid('an integer in [-2^31, 2^31)');
      return value;
    }
    case 'int64': {
      const value = /^[+-]?\d+$/.test(text) ? BigInt(text) : undefined;
      if (value === undefined || value < -(1n << 63n) || value >= 1n << 63n) throw invalid('an integer in [-2^63, 2^63)');
      return value;
    }
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw invalid('JSON (a string key is written with its quotes: "word")');
      }
  }
}

/** The bytes a store keeps for the key a text names (its built-in serde's encoding). */
export function storeKeyBytesFromText(serde: BuiltInSerdeName, text: string, store: string): Buffer {
  const value = storeKeyFromText(serde, text, store);
  return (builtInSerdes[serde] as Serde<unknown>).toBytes(value);
}
