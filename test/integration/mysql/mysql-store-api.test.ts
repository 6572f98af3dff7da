import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { buildStore } from '../../../executor/store/build-store.js';
import { MySqlDatabase } from '../../../executor/store/mysql/mysql-database.js';
import { MySqlEngine } from '../../../executor/store/mysql/mysql-engine.js';
import { bytesSerde } from '../../../shared/api/serdes.js';
import { rootConnection, testMySqlConfig } from '../../infra/mysql.js';
import { describeStoreApi } from '../../unit/store/store-api-suite.js';
import { context } from '../../unit/store/store-fixture.js';
import { EVERY_WRITER } from '../../../executor/checkpoint/checkpoint.js';

const config = testMySqlConfig();
const db = await MySqlDatabase.open(config);
after(() => db.close());
let tasks = 0;

async function openEngine(store = 'api'): Promise<MySqlEngine> {
  const engine = new MySqlEngine(db, store, `task ${tasks++}`);
  await engine.open();
  return engine;
}

describeStoreApi('mysql', async () => ({ engine: await openEngine(), sink: undefined, maxKeyBytes: config.maxKeyBytes }));

describe('mysql store specifics', () => {
  it('keeps keys that differ only by trailing zero bytes or spaces apart, in byte order', async () => {
    const engine = await openEngine();
    const keys = ['61', '6100', '6120', '610000', '', '00', '612020', '61ff'].map((hex) => Buffer.from(hex, 'hex'));
    await engine.write(keys.map((key, i) => ({ type: 'put', key, value: Buffer.from([i]) })));
    const seen = [];
    const iterator = engine.iterate({});
    for (let chunk = await iterator.nextChunk(); chunk.length > 0; chunk = await iterator.nextChunk()) seen.push(...chunk);
    assert.deepEqual(
      seen.map((entry) => entry.key.toString('hex')),
      [...keys].sort(Buffer.compare).map((key) => key.toString('hex')),
    );
    assert.deepEqual(await engine.getMany([Buffer.from('61', 'hex'), Buffer.from('6100', 'hex'), Buffer.from('6120', 'hex')]), [
      Buffer.from([0]),
      Buffer.from([1]),
      Buffer.from([2]),
    ]);
  });

  it('refuses a key over max-key-bytes and a value over max-record-bytes when they are put, naming the store', async () => {
    const engine = await openEngine();
    const store = buildStore({
      spec: {
        name: context.store,
        engine: 'mysql',
        keySerde: bytesSerde,
        valueSerde: bytesSerde,
        cacheSize: 1,
        batchSize: 1,
        changelogTopic: undefined,
        maxRecordBytes: 100,
        maxKeyBytes: 16,
        engineOptions: {},
      },
      context,
      engine,
      sink: undefined,
      storeDir: undefined,
      offset: -1,
      writers: EVERY_WRITER,
      epoch: 0n,
    });
    await assert.rejects(
      store.api.put(Buffer.alloc(17), Buffer.alloc(1)),
      /store 'counts' of task 'Partition 0': a key of 17 bytes is over the limit of 16/,
    );
    await assert.rejects(
      store.api.put(Buffer.alloc(16), Buffer.alloc(101)),
      /a value of 101 bytes is over the limit of 100 bytes \(stores\.counts\.max-record-bytes\)/,
    );
    await store.api.put(Buffer.alloc(16), Buffer.alloc(100));
    await store.flushCache();
    await store.commit();
    assert.deepEqual(await engine.get(Buffer.alloc(16)), Buffer.alloc(100));
  });

  it('validates a table that exists: a different shape is an error naming table and column', async () => {
    const root = await rootConnection();
    const table = `${config.tablePrefix}store_wrong`;
    try {
      await root.query(
        `CREATE TABLE \`${table}\` (task VARBINARY(255) NOT NULL, k VARCHAR(1024) NOT NULL, v LONGBLOB NOT NULL, PRIMARY KEY (task, k)) ENGINE=InnoDB`,
      );
      await assert.rejects(openEngine('wrong'), (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`MySQL table '${table}', column 'k': found varchar\\(1024\\) NOT NULL, expected varbinary\\(1024\\) NOT NULL`),
        );
        return true;
      });
      await root.query(`ALTER TABLE \`${table}\` MODIFY k VARBINARY(1024) NOT NULL`);
      await openEngine('wrong'); // fixed: accepted now
    } finally {
      await root.end();
    }
  });
});
