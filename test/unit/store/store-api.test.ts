import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../../executor/store/engines/create-engine.js';
import type { EngineKind } from '../../../executor/store/engine.js';
import { MemoryTopics } from '../../../executor/systems/memory/memory-topics.js';
import { describeStoreApi } from './store-api-suite.js';
import { changelogPartition } from './store-fixture.js';

/** The store API suite on every local engine, logged to an in-memory changelog (mysql: test/integration/mysql/). */
for (const kind of ['rocksdb', 'leveldb', 'memory'] as EngineKind[]) {
  describeStoreApi(kind, async () => {
    const dir = kind === 'memory' ? undefined : await mkdtemp(join(tmpdir(), `sluice-api-${kind}-`));
    const engine = createEngine(kind, dir, { wal: false });
    await engine.open();
    return { engine, sink: new MemoryTopics().sink(changelogPartition) };
  });
}
