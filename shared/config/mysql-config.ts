/**
 * The job config's `mysql` section: the database of the job's mysql stores, and the rules that
 * keep a job with mysql stores exactly-once (docs/architecture.md, "MySQL stores").
 */
import { isAbsolute, resolve } from 'node:path';
import { field, integer, required, secretRefused, string, withDefault, object } from './schema.js';

/** The compiled `mysql` section. */
export interface MySqlConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** An absolute path; the file holds only the password (a trailing newline is ignored). */
  readonly passwordFile: string;
  readonly poolSize: number;
  /** Prefix of every table of the job: `<prefix>tasks` and `<prefix>store_<store>`. */
  readonly tablePrefix: string;
  /** The key column's width; a longer key is refused when it is put. */
  readonly maxKeyBytes: number;
}

/** InnoDB's index limit is 3072 bytes; the task column of the primary key takes up to 255 of them. */
export const MAX_KEY_BYTES_LIMIT = 2048;
const IDENTIFIER = /^[A-Za-z0-9_]{1,64}$/;
/** MySQL's limit on a table name. */
const MAX_TABLE_NAME = 64;

export const mysqlSchema = object({
  host: required(string(/^[^\s:/]+$/, 'a host name or address')),
  port: withDefault(integer(1, 65_535), 3306),
  database: required(string(IDENTIFIER, 'a database name (letters, digits, _; at most 64)')),
  user: required(string(undefined, 'a user name')),
  'password-file': required(string(undefined, 'the path of a file holding the password')),
  password: field(secretRefused('mysql.password-file')),
  'pool-size': withDefault(integer(1, 1000), 4),
  'table-prefix': field(string(/^[A-Za-z0-9_]{1,40}$/, 'a table name prefix (letters, digits, _; at most 40)')),
  'max-key-bytes': withDefault(integer(1, MAX_KEY_BYTES_LIMIT), 1024),
});

type CheckedMySql = NonNullable<ReturnType<typeof mysqlSchema>>;

/** `sluice_<job>_` with the job name's other characters as `_`. */
export function defaultTablePrefix(job: string): string {
  return `sluice_${job.replace(/[^A-Za-z0-9_]/g, '_')}_`.slice(0, 40);
}

export function compileMySql(checked: CheckedMySql, job: string, base: string): MySqlConfig {
  const file = checked['password-file'];
  return {
    host: checked.host,
    port: checked.port,
    database: checked.database,
    user: checked.user,
    passwordFile: isAbsolute(file) ? file : resolve(base, file),
    poolSize: checked['pool-size'],
    tablePrefix: checked['table-prefix'] ?? defaultTablePrefix(job),
    maxKeyBytes: checked['max-key-bytes'],
  };
}

/**
 * A job with a mysql store keeps its tasks' input offsets in the database, committed in the same
 * SQL transaction as the stores' writes. A store of another engine would be written outside that
 * transaction (before or after it), so a crash between the two would leave it ahead of or behind
 * the offsets: counted twice or lost. So such a job's stores are all mysql stores, with no changelog.
 */
export function mysqlChecks(
  stores: Readonly<Record<string, { engine: string; changelog?: boolean | undefined }>>,
  mysql: { 'table-prefix'?: string | undefined } | undefined,
  job: string,
): string[] {
  const problems: string[] = [];
  const mysqlStores = Object.keys(stores).filter((name) => stores[name]?.engine === 'mysql');
  if (mysqlStores.length === 0) return problems;
  const first = mysqlStores[0] as string;
  const prefix = mysql?.['table-prefix'] ?? defaultTablePrefix(job);
  for (const [name, store] of Object.entries(stores)) {
    if (store.engine !== 'mysql') {
      problems.push(
        `stores.${name}.engine: expected mysql, because store '${first}' is a mysql store: the job's input offsets are then ` +
          `committed in its SQL transaction, and a ${store.engine} store's writes would be applied outside it (after a crash ` +
          'they would be counted twice or lost)',
      );
      continue;
    }
    if (!mysql) problems.push(`stores.${name}.engine: mysql needs the job config's mysql section (host, database, user, password-file)`);
    if (store.changelog === true) {
      problems.push(
        `stores.${name}.changelog: a mysql store has no changelog (its writes and the task's input offsets commit in one SQL ` +
          'transaction); remove the key',
      );
    }
    const table = `${prefix}store_${name}`;
    if (table.length > MAX_TABLE_NAME || !IDENTIFIER.test(table)) {
      problems.push(`stores.${name}: its table name '${table}' is not a MySQL table name of at most 64 letters, digits and _`);
    }
  }
  return problems;
}
