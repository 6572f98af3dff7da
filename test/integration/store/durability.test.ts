import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { EVERY_WRITER } from '../../../executor/checkpoint/checkpoint.js';
import { createEngine } from '../../../executor/store/engines/create-engine.js';
import type { KeyValueEngine } from '../../../executor/store/engine.js';
import { KafkaChangelogSink, KafkaChangelogSource } from '../../../executor/systems/kafka/kafka-changelog.js';
import { restoreStores, type RestoreResult } from '../../../executor/store/restore.js';
import { BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { kafkaBrokers, uniqueTopic } from '../../infra/services.js';
import { modelAfter, operations } from './durability-ops.js';

setLogLevel('warn');
const context = { job: 'durability', store: 'kv', task: 'Partition 0' };

interface Commit {
  ops: number;
  offset: number;
}

/**
 * Runs the writer child for `commits` commits and SIGKILLs it only once it reported that the
 * changelog records of further writes are acknowledged but not committed: the child waits for
 * the kill there, so a slow parent cannot let it commit again first.
 */
/** Runs the writer child from `checkpoint` (the changelog offset of the last commit; undefined: none yet) until it is killed past a commit. */
async function writeAndKill(
  topic: string,
  storeDir: string,
  engine: string,
  seed: number,
  firstOp: number,
  commits: number,
  checkpoint: number | undefined,
) {
  const args = [
    kafkaBrokers().join(','),
    topic,
    storeDir,
    engine,
    String(seed),
    String(firstOp),
    String(commits),
    String(checkpoint ?? 'none'),
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'durability-child.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const reported: Commit[] = [];
  let pastCommit: { ops: number; acked: number } | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const parsed = JSON.parse(line) as Commit | { pastCommit: true; ops: number; acked: number };
    if ('pastCommit' in parsed) {
      pastCommit = parsed;
      child.kill('SIGKILL');
      break;
    }
    reported.push(parsed);
  }
  await exited;
  if (!pastCommit) throw new Error('the writer child exited before it wrote past its last commit');
  assert.equal(reported.length, commits);
  return { last: reported.at(-1) as Commit, pastCommit };
}

async function contents(engine: KeyValueEngine): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const iterator = engine.iterate({});
  for (let chunk = await iterator.nextChunk(); chunk.length > 0; chunk = await iterator.nextChunk()) {
    for (const { key, value } of chunk) found.set(key.toString(), value.toString());
  }
  await iterator.close();
  return found;
}

for (const engine of ['rocksdb', 'leveldb'] as const) {
  describe(`a ${engine} store killed with SIGKILL`, { timeout: 180_000 }, () => {
    it('restores exactly the state of its last commit, from scratch or from the surviving directory', async () => {
      const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'durability-test' });
      const admin = kafka.admin();
      const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
      await Promise.all([admin.connect(), producer.connect()]);
      try {
        const topic = uniqueTopic('durability');
        await ensureTopic(admin, { topic, partitions: 1, compacted: true, purpose: 'the test changelog' });
        const survivingDir = await mkdtemp(join(tmpdir(), `sluice-${engine}-`));
        const seed = 7;
        const { last, pastCommit } = await writeAndKill(topic, survivingDir, engine, seed, 0, 20, undefined);
        const model = modelAfter(seed, last.ops);
        const changelog = { topic, partition: 0 };
        const sink = new KafkaChangelogSink(new BatchingProducer(producer), changelog, 0n);
        const source = new KafkaChangelogSource(kafka, admin);
        const restore = async (storeDir: string, checkpointed: number): Promise<RestoreResult> => {
          const [result] = await restoreStores(
            [
              {
                context,
                changelog,
                sink,
                storeDir,
                createEngine: (dir) => createEngine(engine, dir, { wal: false }),
                checkpoint: { offset: checkpointed, writers: EVERY_WRITER },
                epoch: 0n,
              },
            ],
            source,
            { deleteRetentionMs: 86_400_000 },
          );
          return result as RestoreResult;
        };

        // 1. Into an empty directory: the whole changelog up to the commit, nothing after it.
        const emptyDir = await mkdtemp(join(tmpdir(), `sluice-${engine}-`));
        const fresh = await restore(emptyDir, last.offset);
        assert.equal(fresh.plan.reuseLocal, false);
        assert.equal(fresh.replayed, last.offset + 1);
        assert.deepEqual(await contents(fresh.engine), model);
        const keysAfterCommit = new Set([...operations(seed, pastCommit.ops)].slice(last.ops).map((op) => op.key));
        assert.equal(fresh.trimmed, keysAfterCommit.size, 'exactly the keys written after the commit were trimmed');
        await fresh.engine.close();

        // A copy of what the killed child left, for step 3.
        const olderDir = await mkdtemp(join(tmpdir(), `sluice-${engine}-`));
        await cp(survivingDir, olderDir, { recursive: true });

        // 2. Over the directory the killed child left: it is exactly at the commit, nothing to replay.
        const reused = await restore(survivingDir, last.offset);
        assert.equal(reused.plan.reuseLocal, true, reused.plan.reason);
        assert.equal(reused.replayed, 0);
        assert.deepEqual(await contents(reused.engine), model);
        await reused.engine.close();

        // 3. The job goes on from the surviving directory and dies again; a local copy from the
        //    earlier commit then replays only the changelog between the two commits.
        const { last: latest } = await writeAndKill(topic, survivingDir, engine, seed, last.ops, 3, last.offset);
        const tail = await restore(olderDir, latest.offset);
        assert.equal(tail.plan.reuseLocal, true, tail.plan.reason);
        assert.equal(tail.replayed, latest.offset - last.offset, 'only the records after the older copy were replayed');
        assert.deepEqual(await contents(tail.engine), modelAfter(seed, latest.ops));
        await tail.engine.close();
      } finally {
        await producer.disconnect();
        await admin.disconnect();
      }
    });
  });
}
