/**
 * The real broker works with kafkajs the way Sluice uses it: topics created by the admin client, keyed
 * messages spread over partitions, a consumer group reading everything back in per-partition order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withTimeout } from '../../dev/services/net.js';
import { createTopics, kafkaBrokers, kafkaVersion, testKafka, uniqueName, uniqueTopic } from '../infra/services.js';

const PARTITIONS = 4;
const MESSAGES = 10_000;
const KEYS = 100;
const BATCH = 1_000;

interface Received {
  key: string;
  seq: number;
  offset: bigint;
}

test(`kafkajs: ${MESSAGES} keyed messages through a ${PARTITIONS}-partition topic, in order per partition`, async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const groupId = uniqueName('smoke-group');
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  t.after(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  await admin.connect();
  const cluster = await admin.describeCluster();
  t.diagnostic(`Kafka ${kafkaVersion()} at ${kafkaBrokers().join(',')}: cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)`);
  assert.equal(cluster.brokers.length, 1);

  const topic = uniqueTopic('smoke');
  await createTopics([{ topic, numPartitions: PARTITIONS }], kafka);
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(metadata.topics[0]?.partitions.length, PARTITIONS);

  // Produce: key k gets values k:0, k:1, ... in order.
  await producer.connect();
  const produceStarted = Date.now();
  const nextSeq = new Map<string, number>();
  for (let start = 0; start < MESSAGES; start += BATCH) {
    const messages = [];
    for (let i = start; i < Math.min(start + BATCH, MESSAGES); i++) {
      const key = `key-${i % KEYS}`;
      const seq = nextSeq.get(key) ?? 0;
      nextSeq.set(key, seq + 1);
      messages.push({ key, value: `${key}:${seq}` });
    }
    await producer.send({ topic, messages, acks: -1 });
  }
  const produceMs = Date.now() - produceStarted;

  const offsets = await admin.fetchTopicOffsets(topic);
  assert.equal(
    offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0),
    MESSAGES,
    'the broker holds every message',
  );

  // Consume everything with a consumer group.
  const received = new Map<number, Received[]>();
  let count = 0;
  let keyMismatches = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const consumeStarted = Date.now();
  const all = new Promise<void>((resolve, reject) => {
    consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          const list = received.get(batch.partition) ?? [];
          received.set(batch.partition, list);
          for (const message of batch.messages) {
            const [key, seq] = (message.value?.toString() ?? '').split(':');
            list.push({ key: key ?? '', seq: Number(seq), offset: BigInt(message.offset) });
            if (message.key?.toString() !== key) keyMismatches += 1; // asserted below, not inside kafkajs
          }
          count += batch.messages.length;
          if (count >= MESSAGES) resolve();
        },
      })
      .catch(reject);
  });
  await withTimeout(all, 60_000, `consumed only ${count} of ${MESSAGES} messages`);
  const consumeMs = Date.now() - consumeStarted;
  t.diagnostic(`produced in ${produceMs} ms, consumed in ${consumeMs} ms`);

  assert.equal(count, MESSAGES);
  assert.equal(keyMismatches, 0, 'every message key matches its value');
  assert.equal(received.size, PARTITIONS, 'keys spread over every partition');
  const partitionOfKey = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  for (const [partition, list] of received) {
    for (let i = 0; i < list.length; i++) {
      const { key, seq, offset } = list[i] as Received;
      assert.equal(offset, BigInt(i), `partition ${partition}: offsets are consecutive from 0`);
      assert.equal(partitionOfKey.get(key) ?? partition, partition, `${key} always lands in one partition`);
      partitionOfKey.set(key, partition);
      assert.equal(seq, (lastSeq.get(key) ?? -1) + 1, `${key}: sequence numbers arrive in order`);
      lastSeq.set(key, seq);
    }
  }
  assert.equal(lastSeq.size, KEYS);
  for (const [key, seq] of lastSeq) assert.equal(seq + 1, nextSeq.get(key), `${key}: nothing missing at the end`);
});
