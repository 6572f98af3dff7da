/**
 * A small schema checker for config files. Each checker takes a value and its key path and
 * either returns the typed value or records an issue naming the key, the value and what was
 * expected; all issues of a file are reported together.
 */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

export class Issues {
  readonly list: Issue[] = [];
  add(path: string, expected: string, got: unknown): undefined {
    this.list.push({ path, message: `expected ${expected}, got ${show(got)}` });
    return undefined;
  }
}

export type Check<T> = (value: unknown, path: string, issues: Issues) => T | undefined;

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export const string =
  (pattern?: RegExp, describe = 'a string'): Check<string> =>
  (value, path, issues) =>
    typeof value === 'string' && value !== '' && (!pattern || pattern.test(value)) ? value : issues.add(path, describe, value);

export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check<number> =>
  (value, path, issues) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? value
      : issues.add(path, `a whole number${max === Number.MAX_SAFE_INTEGER ? ` >= ${min}` : ` from ${min} to ${max}`}`, value);

export const boolean: Check<boolean> = (value, path, issues) =>
  typeof value === 'boolean' ? value : issues.add(path, 'true or false', value);

export const oneOf =
  <T extends string>(...choices: T[]): Check<T> =>
  (value, path, issues) =>
    choices.includes(value as T) ? (value as T) : issues.add(path, `one of ${choices.join(', ')}`, value);

export const array =
  <T>(item: Check<T>, minItems = 0): Check<T[]> =>
  (value, path, issues) => {
    if (!Array.isArray(value) || value.length < minItems) {
      return issues.add(path, minItems > 0 ? `a list of at least ${minItems}` : 'a list', value);
    }
    const out = value.map((element, index) => item(element, `${path}[${index}]`, issues));
    return out.every((element) => element !== undefined) ? (out as T[]) : undefined;
  };

export const record =
  <T>(item: Check<T>, keyPattern = /^[a-zA-Z][a-zA-Z0-9_-]*$/): Check<Record<string, T>> =>
  (value, path, issues) => {
    if (!isPlainObject(value)) return issues.add(path, 'a map', value);
    const out: Record<string, T> = {};
    let ok = true;
    for (const [key, element] of Object.entries(value)) {
      if (!keyPattern.test(key)) {
        issues.add(`${path}.${key}`, `a name matching ${keyPattern}`, key);
        ok = false;
        continue;
      }
      const checked = item(element, `${path}.${key}`, issues);
      if (checked === undefined) ok = false;
      else out[key] = checked;
    }
    return ok ? out : undefined;
  };

/** Any JSON object, unchecked: the job's own settings. */
export const anyObject: Check<Record<string, unknown>> = (value, path, issues) =>
  isPlainObject(value) ? value : issues.add(path, 'a map', value);

type Field<T> = { check: Check<T>; required?: boolean; default?: T };
type Shape = Record<string, Field<unknown>>;
type Result<S extends Shape> = {
  [K in keyof S]: S[K] extends Field<infer T>
    ? S[K]['required'] extends true
      ? T
      : S[K] extends { default: T }
        ? T
        : T | undefined
    : never;
};

export const field = <T>(check: Check<T>, options: { required?: boolean; default?: T } = {}): Field<T> => ({ check, ...options });
export const required = <T>(check: Check<T>) => ({ check, required: true as const });
export const withDefault = <T>(check: Check<T>, value: T) => ({ check, default: value });

/** An object with known keys; an unknown key is an issue too (it is usually a typo). */
export const object =
  <S extends Shape>(shape: S): Check<Result<S>> =>
  (value, path, issues) => {
    if (!isPlainObject(value)) return issues.add(path || '(top level)', 'a map', value);
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const key of Object.keys(value)) {
      if (!(key in shape)) {
        issues.list.push({ path: join(path, key), message: `unknown key; expected one of ${Object.keys(shape).join(', ')}` });
        ok = false;
      }
    }
    for (const [key, spec] of Object.entries(shape)) {
      const raw = value[key];
      if (raw === undefined || raw === null) {
        if (spec.required) {
          issues.add(join(path, key), 'a value (this key is required)', raw);
          ok = false;
        } else if ('default' in spec) out[key] = spec.default;
        continue;
      }
      const checked = spec.check(raw, join(path, key), issues);
      if (checked === undefined) ok = false;
      else out[key] = checked;
    }
    return ok ? (out as Result<S>) : undefined;
  };

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A secret written into the config itself would travel with it into logs, the job model and Mesos
 * task data: refused, without echoing it, naming the key that takes a file instead.
 */
export const secretRefused =
  (fileKey: string): Check<never> =>
  (_value, path, issues) => {
    issues.list.push({
      path,
      message: `a password must not be in the job config; write it to a file readable by the job and name it with ${fileKey}`,
    });
    return undefined;
  };
