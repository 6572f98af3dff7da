/**
 * Writes keys with updates and deletes through the full logged store stack on a real Kafka
 * changelog, committing every `commitEvery` operations and printing each commit as a JSON line.
 * After `commits` commits it writes `afterCommit` more operations, waits until Kafka acknowledged
 * their changelog records without committing them, prints a `pastCommit` line and idles until the
 * parent kills it. The operations come from a seeded generator, so the parent can rebuild the
 * exact state at any commit.
 * It starts from the changelog offset of the task's last commit (`none` for a first run: an empty state).
 * Usage: durability-child <brokers> <topic> <storeDir> <engine> <seed> <firstOp> <commits> <checkpoint>
 */
import { EVERY_WRITER } from '../../../executor/checkpoint/checkpoint.js';
import { buildStore } from '../../../executor/store/build-store.js';
import { createEngine } from '../../../executor/store/engines/create-engine.js';
import { KafkaChangelogSink, KafkaChangelogSource } from '../../../executor/systems/kafka/kafka-changelog.js';
import { restoreStores } from '../../../executor/store/restore.js';
import { stringSerde } from '../../../shared/api/serdes.js';
import { BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { setLogLevel } from '../../../shared/log.js';
import { operations } from './durability-ops.js';

setLogLevel('warn');
const [brokers, topic, storeDir, engine, seed, firstOp, commits, checkpointed] = process.argv.slice(2) as [
  string,
  string,
  string,
  'rocksdb' | 'leveldb',
  string,
  string,
  string,
  string,
];
const kafka = createKafka({ brokers: brokers.split(','), clientId: 'durability-child' });
const admin = kafka.admin();
const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
await admin.connect();
await producer.connect();
const changelog = { topic, partition: 0 };
const sink = new KafkaChangelogSink(new BatchingProducer(producer), changelog, 0n);
const context = { job: 'durability', store: 'kv', task: 'Partition 0' };
const [restored] = await restoreStores(
  [
    {
      context,
      changelog,
      sink,
      storeDir,
      createEngine: (dir) => createEngine(engine, dir, { wal: false }),
      checkpoint: checkpointed === 'none' ? undefined : { offset: Number(checkpointed), writers: EVERY_WRITER },
      epoch: 0n,
    },
  ],
  new KafkaChangelogSource(kafka, admin),
  { deleteRetentionMs: 86_400_000 },
);
if (!restored) throw new Error('nothing restored');
const store = buildStore({
  spec: {
    name: 'kv',
    engine,
    keySerde: stringSerde,
    valueSerde: stringSerde,
    cacheSize: 1000,
    batchSize: 500,
    changelogTopic: topic,
    maxRecordBytes: 1 << 20,
    engineOptions: { wal: false },
  },
  context,
  engine: restored.engine,
  sink,
  storeDir,
  offset: restored.offset,
  writers: restored.plan.writers,
  epoch: 0n,
});
const commitEvery = 5000;
const afterCommit = 1000;
// firstOp is a commit point (a multiple of commitEvery), so commits stay at the same ops in every run.
const lastCommit = Number(firstOp) + Number(commits) * commitEvery;
let done = 0;
for (const op of operations(Number(seed), lastCommit + afterCommit)) {
  if (done++ < Number(firstOp)) continue;
  if (op.value === null) await store.api.delete(op.key);
  else await store.api.put(op.key, op.value);
  if (done <= lastCommit && done % commitEvery === 0) {
    await store.flushCache();
    const { offset } = await store.commit();
    process.stdout.write(`${JSON.stringify({ ops: done, offset })}\n`);
  }
}
// Commit steps 1 and 2 without step 3: the writes after the last commit are in the changelog,
// acknowledged by Kafka, but neither committed nor in the local DB. A kill from here on is the
// crash the test is about, whenever the parent gets to it.
await store.flushCache();
const { offset: acked } = await store.changelogAcked();
process.stdout.write(`${JSON.stringify({ pastCommit: true, ops: done, acked })}\n`);
// Stay alive: the parent kills this process (the point of the test is an unclean stop).
setInterval(() => undefined, 1000);
