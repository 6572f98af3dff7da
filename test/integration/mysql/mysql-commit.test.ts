import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { startMariaDb } from '../../../dev/services/mariadb.js';
import { buildStore } from '../../../executor/store/build-store.js';
import type { LocalStore } from '../../../executor/store/local-store.js';
import { MySqlCheckpoints } from '../../../executor/store/mysql/mysql-checkpoints.js';
import { MySqlDatabase } from '../../../executor/store/mysql/mysql-database.js';
import { MySqlEngine } from '../../../executor/store/mysql/mysql-engine.js';
import { stringSerde } from '../../../shared/api/serdes.js';
import type { MySqlConfig } from '../../../shared/config/job-config.js';
import { createLogger } from '../../../shared/log.js';
import { rootConnection, testMySqlConfig } from '../../infra/mysql.js';
import { testLogDir } from '../../infra/services.js';
import { EVERY_WRITER } from '../../../executor/checkpoint/checkpoint.js';

const logger = createLogger({ test: 'mysql-commit' });
const TASK = 'Partition 0';
const handles: MySqlDatabase[] = [];
after(() => Promise.all(handles.map((db) => db.close())));

/** One owner of a task (a container, as far as the commit is concerned): its stores and its checkpoint store. */
async function owner(config: MySqlConfig, storeNames = ['carts', 'totals']) {
  const db = await MySqlDatabase.open(config);
  handles.push(db);
  const checkpoints = new MySqlCheckpoints(db, logger);
  const loaded = await checkpoints.load([{ name: TASK, ssps: [] }]);
  const stores = new Map<string, LocalStore<string, string>>();
  for (const name of storeNames) {
    const engine = new MySqlEngine(db, name, TASK);
    await engine.open();
    const store = buildStore({
      spec: {
        name,
        engine: 'mysql',
        keySerde: stringSerde,
        valueSerde: stringSerde,
        cacheSize: 100,
        batchSize: 100,
        changelogTopic: undefined,
        maxRecordBytes: 1 << 20,
        maxKeyBytes: config.maxKeyBytes,
        engineOptions: {},
      },
      context: { job: 'shop', store: name, task: TASK },
      engine,
      sink: undefined,
      storeDir: undefined,
      offset: -1,
      writers: EVERY_WRITER,
      epoch: 0n,
    });
    stores.set(name, store);
  }
  checkpoints.attach(
    TASK,
    [...stores.values()].map((store) => ({ staged: store.staged, engine: store.engine as MySqlEngine })),
  );
  /** The task's commit as TaskInstance runs it: flush caches, write the checkpoint, apply (a no-op for mysql stores). */
  const commit = async (offset: number) => {
    for (const store of stores.values()) await store.flushCache();
    await checkpoints.write(TASK, { inputs: { 'cart-ops/0': String(offset) }, changelogs: {}, epoch: 0n });
    for (const store of stores.values()) await store.applyCommit();
  };
  return {
    db,
    checkpoints,
    loaded,
    stores,
    commit,
    store: (name: string) => stores.get(name)?.api as NonNullable<ReturnType<typeof stores.get>>['api'],
  };
}

async function rows(config: MySqlConfig, store: string): Promise<Record<string, string>> {
  const root = await rootConnection();
  try {
    const [found] = await root.query(`SELECT k, v FROM \`${config.tablePrefix}store_${store}\` WHERE task = ? ORDER BY k`, [TASK]);
    return Object.fromEntries((found as { k: Buffer; v: Buffer }[]).map((row) => [row.k.toString(), row.v.toString()]));
  } finally {
    await root.end();
  }
}

async function taskRow(config: MySqlConfig): Promise<{ epoch: string; inputs: string | null }> {
  const root = await rootConnection();
  try {
    const [found] = await root.query(`SELECT epoch, inputs FROM \`${config.tablePrefix}tasks\` WHERE task = ?`, [TASK]);
    return (found as { epoch: string; inputs: string | null }[])[0] as { epoch: string; inputs: string | null };
  } finally {
    await root.end();
  }
}

describe('the MySQL commit: stores and offsets in one transaction, fenced by the owner epoch', () => {
  it("commits every store's writes with the input offsets; a new owner reads them back and owns the next epoch", async () => {
    const config = testMySqlConfig();
    const first = await owner(config);
    assert.equal(first.loaded.size, 0, 'no checkpoint before the first commit');
    await first.store('carts').put('alice', 'apple');
    await first.store('totals').put('alice', '1');
    assert.deepEqual(await rows(config, 'carts'), {}, 'nothing reaches the database before the commit');
    await first.commit(7);
    assert.deepEqual(await rows(config, 'carts'), { alice: 'apple' });
    assert.deepEqual(await rows(config, 'totals'), { alice: '1' });
    assert.equal(first.stores.get('carts')?.staged.pendingCount, 0, 'the staged writes were discarded once committed');

    const second = await owner(config);
    assert.deepEqual(second.loaded.get(TASK)?.inputs, { 'cart-ops/0': '7' });
    assert.equal(second.checkpoints.epochOf(TASK), (first.checkpoints.epochOf(TASK) as number) + 1);
    assert.equal(await second.store('carts').get('alice'), 'apple');
  });

  it("fences the older owner: its commit fails, writes nothing, and the newer owner's state is exact", async () => {
    const config = testMySqlConfig();
    const zombie = await owner(config);
    await zombie.store('carts').put('bob', 'pear');
    await zombie.commit(3);
    const successor = await owner(config);
    assert.deepEqual(successor.loaded.get(TASK)?.inputs, { 'cart-ops/0': '3' });
    await zombie.store('carts').put('bob', 'pear,plum'); // the zombie processed offset 3 too
    await successor.store('carts').put('bob', 'pear,fig');
    await successor.commit(4);
    await assert.rejects(zombie.commit(4), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'TASK_LOST');
      assert.match(
        error.message,
        /task 'Partition 0' is no longer ours: its MySQL owner epoch is no longer \d+.*nothing of this commit was written/,
      );
      return true;
    });
    assert.deepEqual(await rows(config, 'carts'), { bob: 'pear,fig' });
    assert.deepEqual(JSON.parse((await taskRow(config)).inputs as string), { 'cart-ops/0': '4' });
  });

  it('retries a commit that meets a lock wait timeout, and commits exactly once it can', async () => {
    const config = testMySqlConfig();
    const task = await owner(config);
    await task.store('carts').put('carol', 'kiwi');
    await task.commit(1);
    const root = await rootConnection();
    try {
      await root.query('SET GLOBAL innodb_lock_wait_timeout = 1');
      // A fresh handle, whose pooled connections start with the 1 s timeout.
      const blocked = await owner(config);
      await root.beginTransaction();
      await root.query(`SELECT * FROM \`${config.tablePrefix}tasks\` WHERE task = ? FOR UPDATE`, [TASK]);
      await blocked.store('carts').put('carol', 'kiwi,lime');
      const started = Date.now();
      const committing = blocked.commit(2);
      await sleep(2_500); // at least one lock wait timeout, then a retry
      await root.rollback();
      await committing;
      assert.ok(Date.now() - started >= 2_500, 'the commit waited for the lock');
      assert.deepEqual(await rows(config, 'carts'), { carol: 'kiwi,lime' });
      assert.deepEqual(JSON.parse((await taskRow(config)).inputs as string), { 'cart-ops/0': '2' });
    } finally {
      await root.query('SET GLOBAL innodb_lock_wait_timeout = 50');
      await root.end();
    }
  });

  it('survives the database restarting under a stream of commits: every commit lands once, the last state is exact', async () => {
    const server = await startMariaDb({ logDir: `${testLogDir()}/mysql-restart`, startTimeoutMs: 60_000 });
    try {
      const config = testMySqlConfig({
        host: server.host,
        port: server.port,
        database: server.database,
        user: server.user,
        passwordFile: server.passwordFile,
      });
      const task = await owner(config, ['totals']);
      const expected: Record<string, string> = {};
      let restarts = 0;
      for (let offset = 1; offset <= 60; offset++) {
        const key = `k${offset % 7}`;
        expected[key] = String(offset);
        await task.store('totals').put(key, String(offset));
        if (offset % 20 === 10) {
          // Mid-stream: the server goes away (SIGKILL, no clean shutdown) while this commit starts.
          const killed = server.kill().then(() => server.restart());
          await task.commit(offset);
          await killed;
          restarts++;
        } else {
          await task.commit(offset);
        }
      }
      assert.equal(restarts, 3);
      const password = readFileSync(server.passwordFile, 'utf8').trim();
      const check = await createConnection({
        host: server.host,
        port: server.port,
        user: server.user,
        password,
        database: server.database,
      });
      try {
        const [found] = await check.query(`SELECT k, v FROM \`${config.tablePrefix}store_totals\` ORDER BY k`);
        assert.deepEqual(
          Object.fromEntries((found as { k: Buffer; v: Buffer }[]).map((row) => [row.k.toString(), row.v.toString()])),
          expected,
        );
        const [task_] = await check.query(`SELECT inputs FROM \`${config.tablePrefix}tasks\``);
        assert.deepEqual(JSON.parse((task_ as { inputs: string }[])[0]?.inputs as string), { 'cart-ops/0': '60' });
      } finally {
        await check.end();
      }
    } finally {
      await server.stop();
    }
  });
});
