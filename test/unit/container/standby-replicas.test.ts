import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Checkpoint, CheckpointStore } from '../../../executor/checkpoint/checkpoint.js';
import { StandbyReplicas } from '../../../executor/container/standby-replicas.js';
import { StatusBoard } from '../../../executor/container/status-board.js';
import { bindJob } from '../../../executor/job/job-binding.js';
import { readOffsetFile } from '../../../executor/store/offset-file.js';
import { MAX_WRITER_EPOCHS } from '../../../executor/store/restore-plan.js';
import { MemoryTopics } from '../../../executor/systems/memory/memory-topics.js';
import { defineJob } from '../../../shared/api/index.js';
import { compileJobConfig } from '../../../shared/config/job-config.js';
import { createLogger, setLogLevel } from '../../../shared/log.js';

setLogLevel('error');

const TASK = { name: 'Partition 0', ssps: [{ system: 'kafka', topic: 'in', partition: 0 }], changelogPartition: 0 };

/** A standby of 'Partition 0' over an in-memory changelog of three records, its checkpoint at offset `offset` with `epochs` as writers. */
async function standby(options: { intervalMs: number; readDelayMs?: number; epochs?: bigint[] }) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-standby-unit-'));
  const config = compileJobConfig(
    {
      job: { name: 'sb', module: './unused.ts' },
      inputs: [{ topic: 'in' }],
      stores: { counts: { engine: 'leveldb' } },
      'state-dir': dir,
    },
    join(dir, 'job.yaml'),
  );
  const binding = bindJob(config, defineJob({ task: () => ({ process: () => undefined }) }));
  const topic = binding.stores[0]?.changelogTopic as string;
  const changelog = new MemoryTopics();
  const sink = changelog.sink({ topic, partition: 0 });
  sink.send(['a', 'b', 'c'].map((key) => ({ key: Buffer.from(key), value: Buffer.from('1') })));
  const reads: number[] = [];
  const read = changelog.read.bind(changelog);
  changelog.read = async (requests, onRecords) => {
    reads.push(Date.now());
    await new Promise((resolve) => setTimeout(resolve, options.readDelayMs ?? 0));
    return read(requests, onRecords);
  };
  const checkpoint: Checkpoint = {
    inputs: { 'kafka.in.0': '10' },
    changelogs: { counts: { offset: 1, writers: { since: 2, epochs: options.epochs ?? [4n] } } },
    epoch: 4n,
  };
  const checkpoints: CheckpointStore = { load: async () => new Map([[TASK.name, checkpoint]]), write: async () => undefined };
  const status = new StatusBoard('1');
  const replicas = new StandbyReplicas({
    config,
    specs: binding.stores,
    changelogs: changelog,
    checkpoints,
    compaction: new Map(),
    logger: createLogger({ component: 'standby-test' }),
    status,
    intervalMs: options.intervalMs,
  });
  replicas.follow([TASK]);
  const storeDir = join(dir, 'sb', 'counts', encodeURIComponent(TASK.name));
  return { replicas, reads, status, storeDir };
}

describe('standby replicas', () => {
  it('copy up to the checkpoint and report the lag; a close during a pass ends with the pass, not an interval later', async () => {
    const { replicas, reads, status, storeDir } = await standby({ intervalMs: 1_000, readDelayMs: 400 });
    while (reads.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const asked = Date.now();
    await replicas.close();
    const took = Date.now() - asked;
    assert.ok(took < 900, `close() took ${took} ms: the rest of the pass (≤ 400 ms), not another 1 s interval`);
    const offsetFile = await readOffsetFile(storeDir, { job: 'sb', store: 'counts', task: TASK.name });
    assert.ok(offsetFile.state === 'clean', 'the pass finished its copy and wrote the OFFSET file');
    assert.deepEqual([offsetFile.offset, offsetFile.epoch], [1, 4n]);
    assert.deepEqual(status.report().standbys, [], 'a closed container keeps no standbys');
    assert.equal(reads.length, 1, 'no pass starts once closing');
  });

  it('keep no copy of a task whose checkpoint lists the most writer epochs: its next owner rebuilds anyway', async () => {
    const epochs = Array.from({ length: MAX_WRITER_EPOCHS }, (_, i) => BigInt(i + 1));
    const { replicas, reads, status, storeDir } = await standby({ intervalMs: 20, epochs });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await replicas.close();
    assert.equal(reads.length, 0, 'no changelog read');
    assert.equal(existsSync(storeDir), false, 'no copy on disk');
    assert.equal(status.report().standbys?.length, 0);
  });
});
