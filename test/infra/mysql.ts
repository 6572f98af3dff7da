/**
 * What the MySQL store's tests use to reach the MariaDB that `npm test` (test/run.ts) starts when a
 * selected file's path names `mysql`: a job config's mysql section for it, and root on its socket.
 */
import { createConnection, type Connection } from 'mysql2/promise';
import type { MySqlConfig } from '../../shared/config/job-config.js';
import { ENV } from './env.js';
import { uniqueName } from './services.js';

function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value)
    throw new Error(`${name} is not set: run MySQL tests through \`npm test\` with a path containing "mysql", which starts MariaDB`);
  return value;
}

/** A fresh table prefix per call, so tests never see each other's tables. */
export function uniqueTablePrefix(prefix = 't'): string {
  return `${uniqueName(prefix)
    .replace(/[^A-Za-z0-9_]/g, '_')
    .slice(0, 34)}_`;
}

/** The mysql section of a job config for the test MariaDB, with its own tables. */
export function testMySqlConfig(overrides: Partial<MySqlConfig> = {}): MySqlConfig {
  const [host, port] = required(ENV.mysqlAddress).split(':');
  return {
    host: host as string,
    port: Number(port),
    database: required(ENV.mysqlDatabase),
    user: required(ENV.mysqlUser),
    passwordFile: required(ENV.mysqlPasswordFile),
    poolSize: 4,
    tablePrefix: uniqueTablePrefix(),
    maxKeyBytes: 1024,
    ...overrides,
  };
}

/** Root on the server's socket: for what a test does behind Sluice's back (reading rows, killing connections). */
export async function rootConnection(): Promise<Connection> {
  return createConnection({ socketPath: required(ENV.mysqlSocket), user: 'root', database: required(ENV.mysqlDatabase) });
}
