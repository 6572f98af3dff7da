/**
 * The mysql store stack against raw mysql2 on the same MariaDB (started here, on loopback), same
 * rows: 16-byte keys, 64-byte values. Writes: puts through the stack, committed every COMMIT_EVERY
 * by the task's real commit (MySqlCheckpoints: one transaction with the offsets and the fencing
 * check), against multi-row INSERT … ON DUPLICATE KEY UPDATE of the same rows, one transaction per
 * COMMIT_EVERY rows. Reads: cached gets of the hot keys against awaited point selects.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { startMariaDb } from '../../dev/services/mariadb.js';
import { buildStore } from '../../executor/store/build-store.js';
import { MySqlCheckpoints } from '../../executor/store/mysql/mysql-checkpoints.js';
import { MySqlDatabase } from '../../executor/store/mysql/mysql-database.js';
import { MySqlEngine } from '../../executor/store/mysql/mysql-engine.js';
import { stringSerde } from '../../shared/api/serdes.js';
import { STORE_DEFAULTS } from '../../shared/config/job-config.js';
import { createLogger } from '../../shared/log.js';
import { COMMIT_EVERY, HOT_KEYS, keyOf, opsPerSecond, valueOf } from './store-ops.js';
import { EVERY_WRITER } from '../../executor/checkpoint/checkpoint.js';

export interface MySqlBench {
  readonly stackWrites: number;
  readonly rawWrites: number;
  readonly stackCachedGets: number;
  readonly rawPointSelects: number;
}

const TASK = 'Partition 0';

export async function measureMySql(sizes: { writes: number; gets: number; rawGets: number }): Promise<MySqlBench> {
  const server = await startMariaDb({ logDir: join(tmpdir(), 'sluice-bench-mariadb'), startTimeoutMs: 60_000 });
  try {
    const config = {
      host: server.host,
      port: server.port,
      database: server.database,
      user: server.user,
      passwordFile: server.passwordFile,
      poolSize: 4,
      tablePrefix: 'bench_',
      maxKeyBytes: 1024,
    };
    const db = await MySqlDatabase.open(config);
    try {
      const checkpoints = new MySqlCheckpoints(db, createLogger({ bench: 'store-mysql' }));
      await checkpoints.load([{ name: TASK, ssps: [] }]);
      const engine = new MySqlEngine(db, 'stack', TASK);
      await engine.open();
      const store = buildStore({
        spec: {
          name: 'stack',
          engine: 'mysql',
          keySerde: stringSerde,
          valueSerde: stringSerde,
          cacheSize: STORE_DEFAULTS.cacheSize,
          batchSize: STORE_DEFAULTS.batchSize,
          changelogTopic: undefined,
          maxRecordBytes: STORE_DEFAULTS.maxRecordBytes,
          maxKeyBytes: config.maxKeyBytes,
          engineOptions: {},
        },
        context: { job: 'bench', store: 'stack', task: TASK },
        engine,
        sink: undefined,
        storeDir: undefined,
        offset: -1,
        writers: EVERY_WRITER,
        epoch: 0n,
      });
      checkpoints.attach(TASK, [{ staged: store.staged, engine }]);
      const commit = async (offset: number) => {
        await store.flushCache();
        await checkpoints.write(TASK, { inputs: { 'bench/0': String(offset) }, changelogs: {}, epoch: 0n });
      };
      const stackWrites = await opsPerSecond(sizes.writes, async (i) => {
        await store.api.put(keyOf(i), valueOf(i));
        if ((i + 1) % COMMIT_EVERY === 0) await commit(i + 1);
      });

      const password = (await readFile(server.passwordFile, 'utf8')).trim();
      const raw = await createConnection({ host: server.host, port: server.port, user: server.user, password, database: server.database });
      try {
        const table = db.storeTable('raw');
        await db.ensureStore('raw');
        let rows: [string, Buffer, Buffer][] = [];
        const rawWrites = await opsPerSecond(sizes.writes, async (i) => {
          rows.push([TASK, Buffer.from(keyOf(i)), Buffer.from(valueOf(i))]);
          if (rows.length < COMMIT_EVERY) return;
          await raw.beginTransaction();
          for (let start = 0; start < rows.length; start += 1000) {
            await raw.query(`INSERT INTO \`${table}\` (task, k, v) VALUES ? ON DUPLICATE KEY UPDATE v = VALUES(v)`, [
              rows.slice(start, start + 1000),
            ]);
          }
          await raw.commit();
          rows = [];
        });

        // Hot keys: warm the cache once, then read them round-robin.
        for (let i = 0; i < HOT_KEYS; i++) await store.api.get(keyOf(i));
        const stackCachedGets = await opsPerSecond(sizes.gets, (i) => store.api.get(keyOf(i % HOT_KEYS)));
        const rawPointSelects = await opsPerSecond(sizes.rawGets, (i) =>
          raw.query(`SELECT v FROM \`${table}\` WHERE task = ? AND k = ?`, [TASK, Buffer.from(keyOf(i % HOT_KEYS))]),
        );
        return { stackWrites, rawWrites, stackCachedGets, rawPointSelects };
      } finally {
        await raw.end();
      }
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
  }
}
