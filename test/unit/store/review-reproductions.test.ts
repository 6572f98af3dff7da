/**
 * The correctness review's reproductions (../shared/reviews/correctness-review.md, R1–R4), turned
 * round: each drives the real restore, store layers and in-memory topics through the interleaving
 * the review found, and asserts what must happen. On the code the review read, each assertion
 * fails (R1: 20, R2: 51, R3: 20, R4: the reused and rebuilt states disagree, R7: k tombstoned).
 * R6 and R6b are in test/unit/kafka/leader-change.test.ts; R5 (a clock set back) in
 * test/unit/store/restore-plan.test.ts ("a DB old by its last checkpoint's clock").
 *
 * Owners are told apart by their epochs (the epochs of their task claims): the first owner is
 * epoch 1, the owner after it 2, and so on. A checkpoint is what TaskInstance.commit writes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangelogPosition } from '../../../executor/checkpoint/checkpoint.js';
import { buildStore } from '../../../executor/store/build-store.js';
import type { ChangelogRecord, ChangelogSink } from '../../../executor/store/changelog.js';
import { MemoryEngine } from '../../../executor/store/engines/memory-engine.js';
import type { LocalStore } from '../../../executor/store/local-store.js';
import { restoreStores } from '../../../executor/store/restore.js';
import { MemoryTopics } from '../../../executor/systems/memory/memory-topics.js';
import { stringSerde } from '../../../shared/api/serdes.js';
import { isTaskLost } from '../../../shared/coordination/task-ownership.js';
import { setLogLevel } from '../../../shared/log.js';
import { changelogPartition as changelog, context } from './store-fixture.js';

setLogLevel('error');

const spec = {
  name: context.store,
  engine: 'memory' as const,
  keySerde: stringSerde,
  valueSerde: stringSerde,
  cacheSize: 100,
  batchSize: 10,
  changelogTopic: changelog.topic,
  maxRecordBytes: 1024,
  engineOptions: {},
};

type ReadSource = Pick<MemoryTopics, 'watermarks' | 'read'>;

/** What a container does at start for one store of a task it owns in `epoch`: restore to the checkpoint, then build the layers. */
async function openStore(
  topics: MemoryTopics,
  checkpoint: ChangelogPosition | undefined,
  epoch: bigint,
  options: { sink?: ChangelogSink; source?: ReadSource } = {},
) {
  const sink = options.sink ?? topics.sink(changelog, epoch);
  const [restored] = await restoreStores(
    [{ context, changelog, sink, storeDir: undefined, createEngine: () => new MemoryEngine(), checkpoint, epoch }],
    options.source ?? topics,
    { deleteRetentionMs: 1e12 },
  );
  assert.ok(restored);
  const store = buildStore<string, string>({
    spec,
    context,
    engine: restored.engine,
    sink,
    storeDir: undefined,
    offset: restored.offset,
    writers: restored.plan.writers,
    epoch,
  });
  return { store, restored };
}

/** The word count's process(): one increment per message. */
async function count(store: LocalStore<string, string>, word: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await store.api.put(word, String(Number((await store.api.get(word)) ?? '0') + 1));
}

/** TaskInstance.commit for one store: flush, await the changelog, (checkpoint), apply. Returns the checkpoint's position. */
async function commit(store: LocalStore<string, string>): Promise<ChangelogPosition> {
  await store.flushCache();
  const position = await store.changelogAcked();
  await store.applyCommit();
  return position;
}

/** A sink whose records are held (an in-flight produce: a paused process, kafkajs retries) and appended later. */
function delayedSink(topics: MemoryTopics, epoch: bigint) {
  const held: ChangelogRecord[][] = [];
  const real = topics.sink(changelog, epoch);
  const sink: ChangelogSink = {
    target: changelog,
    send: (records) => void held.push([...records]),
    flush: () => new Promise(() => undefined),
  };
  return {
    sink,
    land: () => {
      for (const records of held.splice(0)) real.send(records);
    },
  };
}

describe('the correctness review reproductions, fixed', () => {
  it('R1: a SIGKILL before the first checkpoint counts nothing twice (no checkpoint = empty state, changelog trimmed)', async () => {
    const topics = new MemoryTopics();
    const first = await openStore(topics, undefined, 1n);
    await count(first.store, 'w', 10); // input offsets 0..9
    await first.store.flushCache(); // a batch-size flush: the changelog says w=10
    await first.store.changelogAcked(); // SIGKILL before any checkpoint was written
    // The next owner: no checkpoint, so the inputs restart from their reset policy (offset 0) and the state must be empty.
    const second = await openStore(topics, undefined, 2n);
    assert.equal(await second.store.api.get('w'), undefined, 'the uncommitted w=10 is not adopted');
    assert.equal(second.restored.trimmed, 1);
    await count(second.store, 'w', 10); // input offsets 0..9 again
    assert.equal(await second.store.api.get('w'), '10');
    const rebuilt = await openStore(topics, await commit(second.store), 3n);
    assert.equal(await rebuilt.store.api.get('w'), '10', 'and a rebuild from that checkpoint agrees');
  });

  it("R2: a zombie's late changelog write that lands inside the new owner's next checkpoint is not restored", async () => {
    const topics = new MemoryTopics();
    const a0 = (await openStore(topics, undefined, 1n)).store;
    await count(a0, 'a', 1);
    const c0 = await commit(a0); // A's checkpoint: input <100, a=1
    // A processes input 100..149: its cache flush hands a=51 to its producer, and the request is held.
    const zombie = delayedSink(topics, 1n);
    const a = (await openStore(topics, c0, 1n, { sink: zombie.sink })).store;
    await count(a, 'a', 50);
    await a.flushCache();
    // A's lease lapses; B claims the task (epoch 2), restores C0 and runs on.
    const b = (await openStore(topics, c0, 2n)).store;
    await count(b, 'a', 50); // input 100..149
    await commit(b);
    await count(b, 'a', 10); // input 150..159
    await commit(b);
    zombie.land(); // A's produce finally succeeds: a=51 lands after B's a=61
    await count(b, 'c', 1); // B writes on, so its next checkpoint covers the zombie record
    const c3 = await commit(b);
    for (const epoch of [3n, 4n]) {
      // B's successor restores B's checkpoint; with a kept DB or without, the same state.
      const next = await openStore(topics, c3, epoch);
      assert.equal(await next.store.api.get('a'), '61', 'B had a=61, and so does its successor');
      assert.equal(next.restored.skipped, 1, "A's record is skipped");
    }
  });

  it("R3: a zombie checkpoint accepted after the new owner wrote gives the zombie's state, consistent with its inputs", async () => {
    const topics = new MemoryTopics();
    const a0 = (await openStore(topics, undefined, 1n)).store;
    await count(a0, 'a', 1);
    const c0 = await commit(a0);
    const zombie = delayedSink(topics, 1n);
    const a = await openStore(topics, c0, 1n, { sink: zombie.sink });
    await count(a.store, 'a', 50); // A: input 100..149; its checkpoint will say {input: 150}
    await a.store.flushCache();
    const b = (await openStore(topics, c0, 2n)).store;
    await count(b, 'a', 50); // B: input 100..149
    await count(b, 'b', 10); // B: input 150..159
    await commit(b); // B's checkpoint {input: 160}
    zombie.land();
    // A's checkpoint {input: 150, its record's offset} lands after B's and wins; B dies before its next commit.
    const zombieCheckpoint: ChangelogPosition = { offset: topics.records(changelog).length - 1, writers: a.restored.plan.writers };
    const next = await openStore(topics, zombieCheckpoint, 3n);
    assert.equal(await next.store.api.get('a'), '51', "A's state at its checkpoint");
    assert.equal(await next.store.api.get('b'), undefined, "none of B's work after C0, which the inputs at 150 will redo");
    await count(next.store, 'b', 10); // resumes at input 150: 150..159 processed again
    assert.equal(await next.store.api.get('b'), '10', 'b counted once');
  });

  it('R4: a zombie record that lands during a restore is left out alike by a kept DB and by a rebuild', async () => {
    const topics = new MemoryTopics();
    const a0 = (await openStore(topics, undefined, 1n)).store;
    await count(a0, 'k', 1);
    const c0 = await commit(a0); // offset 0: k=1, checkpointed
    await count(a0, 'k', 4);
    await a0.flushCache(); // offset 1: k=5, not checkpointed (to be trimmed)
    // A zombie record lands while B restores: after B read the watermarks, before B's trim.
    const source: ReadSource = {
      watermarks: (target) => topics.watermarks(target),
      read: async (...args) => {
        await topics.read(...args);
        topics.sink(changelog, 1n).send([{ key: Buffer.from('z'), value: Buffer.from('999') }]); // offset 2
      },
    };
    const b = await openStore(topics, c0, 2n, { source });
    assert.equal(b.restored.trimmed, 1);
    assert.equal(await b.store.api.get('z'), undefined);
    const c1 = await commit(b.store);
    const rebuilt = await openStore(topics, c1, 3n);
    assert.equal(await rebuilt.store.api.get('z'), undefined, 'a rebuild from the same checkpoint skips it too');
    assert.equal(await rebuilt.store.api.get('k'), '1');
  });

  it('R7: a committed record compacted away under an uncommitted one is not tombstoned by trim once the checkpoint is older than the compaction lag', async () => {
    const topics = new MemoryTopics();
    const a = (await openStore(topics, undefined, 1n)).store;
    await count(a, 'k', 1); // k=1
    await count(a, 'j', 1); // j=1
    const c0 = await commit(a); // checkpoint: k=1, j=1
    await count(a, 'k', 4);
    await a.flushCache(); // k=5, not checkpointed; SIGKILL before the next checkpoint
    // Changelogs have min.compaction.lag.ms (4 h): the cleaner may remove k=1 (superseded by k=5) only
    // once k=5 is that old. Restored after 0.9 of it, the tail is kept instead of trimmed.
    const lag = 4 * 3_600_000;
    const compacted = new Set([c0.offset - 1]); // k=1, as the cleaner may by now have removed it
    const source: ReadSource = {
      watermarks: (target) => topics.watermarks(target),
      read: (requests, onRecords) =>
        topics.read(requests, (request, records) =>
          onRecords(
            request,
            records.filter((r) => !compacted.has(r.offset)),
          ),
        ),
    };
    const [restored] = await restoreStores(
      [
        {
          context,
          changelog,
          sink: topics.sink(changelog, 2n),
          storeDir: undefined,
          createEngine: () => new MemoryEngine(),
          checkpoint: c0,
          checkpointWrittenAt: Date.now() - 0.95 * lag,
          compaction: { deleteRetentionMs: 86_400_000, minCompactionLagMs: lag },
          epoch: 2n,
        },
      ],
      source,
      { deleteRetentionMs: 86_400_000 },
    );
    assert.ok(restored?.plan.keptTail);
    assert.equal((await restored.engine.get(Buffer.from('k')))?.toString(), '5', 'k is kept (counted twice at worst), not lost');
    assert.equal(restored.trimmed, 0, 'and no tombstone is written over it');
    assert.notEqual(topics.records(changelog).at(-1)?.value, null);
  });

  it('a zombie that starts after its task has a newer owner is told so at restore, before it writes', async () => {
    const topics = new MemoryTopics();
    const newer = (await openStore(topics, undefined, 5n)).store;
    await count(newer, 'a', 1);
    const checkpoint = await commit(newer);
    await assert.rejects(openStore(topics, checkpoint, 4n), (error: unknown) => {
      assert.ok(isTaskLost(error));
      assert.match((error as Error).message, /a record of a newer owner \(epoch 5, ours 4\)/);
      return true;
    });
  });
});
