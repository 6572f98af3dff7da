import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LevelDbEngine } from '../../../executor/store/engines/leveldb-engine.js';
import { describeEngine } from './engine-conformance.js';

describeEngine('leveldb', (dir) => new LevelDbEngine(dir));

describeEngine(
  'leveldb (no compression, small cache)',
  (dir) => new LevelDbEngine(dir, { compression: 'none', blockCacheBytes: 1 << 20, writeBufferBytes: 1 << 20, wal: false }),
);

describe('LevelDbEngine', () => {
  it('reports its kind and path and rejects use before open', async () => {
    const engine = new LevelDbEngine('/nonexistent/never-opened');
    assert.equal(engine.kind, 'leveldb');
    assert.equal(engine.path, '/nonexistent/never-opened');
    assert.throws(() => engine.getSync(Buffer.from('k')), { code: 'STORE_CLOSED' });
    await assert.rejects(engine.get(Buffer.from('k')), { code: 'STORE_CLOSED' });
    await assert.rejects(engine.flush(), { code: 'STORE_CLOSED' });
    await engine.close();
  });
});
