import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { KeyValueEngine } from '../../../executor/store/engine.js';
import { RocksDbEngine } from '../../../executor/store/engines/rocksdb-engine.js';
import { describeEngine } from './engine-conformance.js';

describeEngine('rocksdb', (dir) => new RocksDbEngine(dir));

// The same contract with the WAL "off", no block cache and a small memtable: options the binding
// cannot honour must be accepted, not break the engine.
describeEngine(
  'rocksdb (wal off, no cache)',
  (dir) => new RocksDbEngine(dir, { wal: false, blockCacheBytes: 0, writeBufferBytes: 1 << 20, compression: 'zstd' }),
);

describe('RocksDbEngine', () => {
  it('reports its kind and path, has no getSync, and rejects use before open', async () => {
    const engine = new RocksDbEngine('/nonexistent/never-opened');
    assert.equal(engine.kind, 'rocksdb');
    assert.equal(engine.path, '/nonexistent/never-opened');
    assert.equal((engine as KeyValueEngine).getSync, undefined, 'the binding has no synchronous get');
    await assert.rejects(engine.get(Buffer.from('k')), { code: 'STORE_CLOSED' });
    assert.throws(() => engine.iterate({}), { code: 'STORE_CLOSED' });
    await engine.close();
  });

  it('passes the write buffer size to RocksDB and flushes the memtable into an SST file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-rocksdb-'));
    const engine = new RocksDbEngine(dir, { writeBufferBytes: 8 << 20 });
    try {
      await engine.open();
      await engine.write([{ type: 'put', key: Buffer.from('k'), value: Buffer.from('v') }]);
      const ssts = async () => (await readdir(dir)).filter((name) => name.endsWith('.sst')).length;
      assert.equal(await ssts(), 0, 'the write sits in the memtable (and WAL)');
      await engine.flush();
      assert.equal(await ssts(), 1, 'flush() wrote the memtable to disk');
      const optionsFile = (await readdir(dir))
        .filter((name) => name.startsWith('OPTIONS-'))
        .sort()
        .pop();
      assert.ok(optionsFile);
      assert.match(await readFile(join(dir, optionsFile), 'utf8'), /write_buffer_size=8388608/);
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
