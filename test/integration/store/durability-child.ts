/**
 * Writes keys with updates and deletes through the full logged store stack on a real Kafka
 * changelog, committing every `commitEvery` operations and printing each commit as a JSON line,
 * until it is killed. The operations come from a seeded generator, so the parent can rebuild the
 * exact state at any commit. Usage: durability-child <brokers> <topic> <storeDir> <engine> <seed> <firstOp>
 */
import { buildStore } from '../../../executor/store/build-store.js';
import { createEngine } from '../../../executor/store/engines/create-engine.js';
import { KafkaChangelogSink, KafkaChangelogSource } from '../../../executor/store/kafka-changelog.js';
import { restoreStores } from '../../../executor/store/restore.js';
import { stringSerde } from '../../../shared/api/serdes.js';
import { BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { setLogLevel } from '../../../shared/log.js';
import { operations } from './durability-ops.js';

setLogLevel('warn');
const [brokers, topic, storeDir, engine, seed, firstOp] = process.argv.slice(2) as [string, string, string, 'rocksdb' | 'leveldb', string, string];
const kafka = createKafka({ brokers: brokers.split(','), clientId: 'durability-child' });
const admin = kafka.admin();
const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
await admin.connect();
await producer.connect();
const changelog = { topic, partition: 0 };
const sink = new KafkaChangelogSink(new BatchingProducer(producer), changelog);
const context = { job: 'durability', store: 'kv', task: 'Partition 0' };
const [restored] = await restoreStores(
  [{ context, changelog, sink, storeDir, createEngine: (dir) => createEngine(engine, dir, { wal: false }), checkpointed: undefined }],
  new KafkaChangelogSource(kafka, admin),
  { deleteRetentionMs: 86_400_000 },
);
if (!restored) throw new Error('nothing restored');
const store = buildStore({
  spec: { name: 'kv', engine, keySerde: stringSerde, valueSerde: stringSerde, cacheSize: 1000, batchSize: 500, changelogTopic: topic, maxRecordBytes: 1 << 20, engineOptions: { wal: false } },
  context,
  engine: restored.engine,
  sink,
  storeDir,
  offset: restored.offset,
});
const commitEvery = 5000;
let done = 0;
for (const op of operations(Number(seed), 200_000)) {
  if (done++ < Number(firstOp)) continue;
  if (op.value === null) await store.api.delete(op.key);
  else await store.api.put(op.key, op.value);
  if (done % commitEvery === 0) {
    await store.flushCache();
    const offset = await store.commit();
    process.stdout.write(`${JSON.stringify({ ops: done, offset })}\n`);
  }
}
process.stdout.write(`${JSON.stringify({ finished: done })}\n`);
// Stay alive: the parent kills this process (the point of the test is an unclean stop).
setInterval(() => undefined, 1000);
