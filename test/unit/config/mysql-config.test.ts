import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileJobConfig } from '../../../shared/config/job-config.js';
import { problems } from './refusal.js';

const base = { job: { name: 'shop-cart', module: './cart.ts' }, inputs: [{ topic: 'cart-ops' }] };
const mysql = { host: 'db.example', database: 'shop', user: 'sluice', 'password-file': 'secrets/db-password' };

describe('job config: the mysql section and mysql stores', () => {
  it('compiles the section with defaults; a mysql store has no changelog unless told, which it may not be', () => {
    const config = compileJobConfig({ ...base, mysql, stores: { carts: { engine: 'mysql' } } }, '/jobs/job.yaml');
    assert.deepEqual(config.mysql, {
      host: 'db.example',
      port: 3306,
      database: 'shop',
      user: 'sluice',
      passwordFile: '/jobs/secrets/db-password',
      poolSize: 4,
      tablePrefix: 'sluice_shop_cart_',
      maxKeyBytes: 1024,
    });
    assert.equal(config.stores.carts?.changelog, false);
    assert.equal(compileJobConfig({ ...base, stores: { counts: {} } }, '/jobs/job.yaml').stores.counts?.changelog, true);
  });

  it('refuses a password in the config without echoing it', () => {
    const message = problems({ ...base, mysql: { ...mysql, password: 'hunter2' }, stores: { carts: { engine: 'mysql' } } });
    assert.match(message, /mysql\.password: a password must not be in the job config.*mysql\.password-file/);
    assert.doesNotMatch(message, /hunter2/);
  });

  it('names each bad field and what was expected', () => {
    const message = problems({ ...base, mysql: { host: 'db', port: 0, database: 'bad-name', 'pool-size': 0, 'max-key-bytes': 4096 } });
    assert.match(message, /mysql\.port: expected a whole number from 1 to 65535, got 0/);
    assert.match(message, /mysql\.database: expected a database name/);
    assert.match(message, /mysql\.user: expected a value \(this key is required\)/);
    assert.match(message, /mysql\.password-file: expected a value \(this key is required\)/);
    assert.match(message, /mysql\.pool-size: expected a whole number from 1 to 1000, got 0/);
    assert.match(message, /mysql\.max-key-bytes: expected a whole number from 1 to 2048, got 4096/);
  });

  it('refuses a changelog on a mysql store, naming the store', () => {
    assert.match(
      problems({ ...base, mysql, stores: { carts: { engine: 'mysql', changelog: true } } }),
      /stores\.carts\.changelog: a mysql store has no changelog/,
    );
  });

  it('refuses a mysql store without the mysql section', () => {
    assert.match(
      problems({ ...base, stores: { carts: { engine: 'mysql' } } }),
      /stores\.carts\.engine: mysql needs the job config's mysql section/,
    );
  });

  it('refuses mixing mysql and local stores in one job, saying why', () => {
    const message = problems({
      ...base,
      mysql,
      stores: { carts: { engine: 'mysql' }, seen: { engine: 'rocksdb' }, scratch: { engine: 'memory', changelog: false } },
    });
    assert.match(message, /stores\.seen\.engine: expected mysql, because store 'carts' is a mysql store.*counted twice or lost/);
    assert.match(message, /stores\.scratch\.engine: expected mysql/);
  });

  it('refuses a store whose table name MySQL would not take', () => {
    assert.match(
      problems({ ...base, mysql: { ...mysql, 'table-prefix': 'p_' }, stores: { 'cart-items': { engine: 'mysql' } } }),
      /stores\.cart-items: its table name 'p_store_cart-items' is not a MySQL table name/,
    );
  });
});
