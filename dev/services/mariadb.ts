/**
 * A MariaDB server on 127.0.0.1 from Debian's mariadb-server package: its own data dir (made by
 * mariadb-install-db), port, socket and log, no system service. It serves the MySQL store's tests,
 * `npm run stack -- --mysql` and the benchmarks. A `sluice` user with a random password (written to
 * a password file, as a job config names it) owns the `sluice` database.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { Deadline, freePort, LOOPBACK, pollUntil } from './net.js';
import { runLogged, ServiceProcess } from './process.js';

export interface RunningMariaDb {
  readonly version: string;
  readonly host: string;
  readonly port: number;
  /** The unix socket (root connects through it). */
  readonly socket: string;
  readonly database: string;
  readonly user: string;
  /** A file holding only the user's password. */
  readonly passwordFile: string;
  readonly logFile: string;
  readonly timings: { startMs: number };
  tail(lines?: number): string;
  /** Stops the server and starts it again on the same data dir, port and socket (fault tests). */
  restart(): Promise<void>;
  /** SIGKILLs the server (no clean shutdown: InnoDB recovers on the next start). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const SERVER = '/usr/sbin/mariadbd';
const INSTALL_DB = 'mariadb-install-db';
const INSTALL_HINT =
  "the MySQL store's tests need Debian's mariadb-server (`apt-get install -y mariadb-server`); npm test installs it as root";

export async function startMariaDb(options: {
  logDir: string;
  startTimeoutMs: number;
  port?: number;
  /** Where the data dir, socket and password file go (made if absent, removed on stop); default: a new temporary directory. */
  dir?: string;
}): Promise<RunningMariaDb> {
  if (!fs.existsSync(SERVER)) throw new Error(`MariaDB did not start: ${SERVER} is missing; ${INSTALL_HINT}`);
  const started = Date.now();
  const port = options.port ?? (await freePort());
  const base = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-mariadb-'));
  fs.mkdirSync(base, { recursive: true });
  const dataDir = path.join(base, 'data');
  const socket = path.join(base, 'mysqld.sock');
  fs.mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, 'mariadb.log');
  fs.writeFileSync(logFile, '');
  // mariadbd refuses to run as root unless told to; as any other user it runs as that user.
  const asUser = process.getuid?.() === 0 ? ['--user=root'] : [];

  const install = await runLogged(
    INSTALL_DB,
    ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asUser],
    { logFile, timeoutMs: options.startTimeoutMs },
  );
  if (install.code !== 0) {
    fs.rmSync(base, { recursive: true, force: true });
    throw new Error(`MariaDB did not start: ${INSTALL_DB} failed (${install.code ?? install.signal}); ${INSTALL_HINT}; see ${logFile}`);
  }

  const serverArgs = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--socket=${socket}`,
    `--pid-file=${path.join(base, 'mariadbd.pid')}`,
    `--port=${port}`,
    `--bind-address=${LOOPBACK}`,
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=128M',
    '--innodb-log-file-size=64M',
    '--max-connections=500',
    '--max-allowed-packet=64M',
    ...asUser,
  ];
  let proc = new ServiceProcess('mariadb', SERVER, serverArgs, logFile, { cwd: base });
  const user = 'sluice';
  const database = 'sluice';
  const password = randomBytes(12).toString('hex');
  const passwordFile = path.join(base, 'password');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });

  const waitReady = async (): Promise<string> => {
    const deadline = new Deadline(options.startTimeoutMs, 'mariadb');
    return pollUntil(
      deadline,
      `MariaDB on ${LOOPBACK}:${port}`,
      async () => {
        const root = await createConnection({ socketPath: socket, user: 'root' });
        try {
          const [rows] = await root.query('SELECT VERSION() AS version');
          return (rows as { version: string }[])[0]?.version;
        } finally {
          await root.end();
        }
      },
      { abort: () => proc.exitDescription(), intervalMs: 100 },
    );
  };

  const removeAll = (): void => fs.rmSync(base, { recursive: true, force: true });
  let version: string;
  try {
    version = await waitReady();
    const root = await createConnection({ socketPath: socket, user: 'root' });
    try {
      await root.query(`CREATE DATABASE IF NOT EXISTS ${database}`);
      await root.query(`CREATE USER ?@? IDENTIFIED BY ?`, [user, LOOPBACK, password]);
      await root.query(`GRANT ALL ON ${database}.* TO ?@?`, [user, LOOPBACK]);
    } finally {
      await root.end();
    }
  } catch (error) {
    const tail = proc.tail(40);
    await proc.stop();
    removeAll();
    throw new Error(
      `MariaDB did not start: ${error instanceof Error ? error.message : String(error)}\n--- last lines of ${logFile} ---\n${tail}`,
    );
  }

  return {
    version,
    host: LOOPBACK,
    port,
    socket,
    database,
    user,
    passwordFile,
    logFile,
    timings: { startMs: Date.now() - started },
    tail: (lines) => proc.tail(lines),
    restart: async () => {
      await proc.stop();
      proc = new ServiceProcess('mariadb', SERVER, serverArgs, logFile, { cwd: base });
      await waitReady();
    },
    kill: async () => {
      proc.child.kill('SIGKILL');
      await proc.whenExited();
    },
    stop: async () => {
      try {
        await proc.stop();
      } finally {
        removeAll();
      }
    },
  };
}
