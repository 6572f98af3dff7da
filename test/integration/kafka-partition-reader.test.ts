/**
 * shared/kafka/partition-reader.ts against the real broker: exact offset ranges come back in
 * order, without a consumer group; a range that ends on a transaction's commit marker (a changelog
 * written exactly once ends so) is read through; and a failing onRecords fails the read at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { readPartitions, type ReadRecord } from '../../shared/kafka/partition-reader.js';
import { createTopics, testKafka, uniqueTopic } from '../infra/services.js';

describe('reading exact partition ranges', { timeout: 120_000 }, () => {
  it('reads each range in order, and fails fast with the cause when onRecords fails', async (t) => {
    // Quiet: kafkajs logs the deliberate onRecords failure as an error of its own.
    const kafka = testKafka(undefined, { logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const topic = uniqueTopic('reader');
    await createTopics([{ topic, numPartitions: 2 }], kafka);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (const partition of [0, 1]) {
      await producer.send({
        topic,
        messages: Array.from({ length: 50 }, (_, i) => ({ partition, key: `p${partition}-${i}`, value: String(i) })),
      });
    }
    await producer.disconnect();

    const seen = new Map<number, ReadRecord[]>();
    await readPartitions(
      kafka,
      [
        { topic, partition: 0, from: 10, to: 19 },
        { topic, partition: 1, from: 0, to: 49 },
      ],
      async (request, records) => {
        seen.set(request.partition, [...(seen.get(request.partition) ?? []), ...records]);
      },
    );
    assert.deepEqual(
      seen.get(0)?.map((record) => record.offset),
      Array.from({ length: 10 }, (_, i) => 10 + i),
    );
    assert.deepEqual(
      seen.get(1)?.map((record) => record.key.toString()),
      Array.from({ length: 50 }, (_, i) => `p1-${i}`),
    );

    const groups = await admin.listGroups();
    assert.deepEqual(
      groups.groups.filter(({ groupId }) => groupId.includes('reader')),
      [],
      'no one-off consumer group was created',
    );

    // Two transactions: the partition's last offset is the second one's commit marker.
    const transactional = kafka.producer({
      allowAutoTopicCreation: false,
      transactionalId: `${topic}-tx`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await transactional.connect();
    for (const round of [0, 1]) {
      const transaction = await transactional.transaction();
      await transaction.send({ topic, messages: [{ partition: 1, key: `tx-${round}`, value: 'v' }] });
      await transaction.commit();
    }
    await transactional.disconnect();
    const [end] = (await admin.fetchTopicOffsets(topic)).filter(({ partition }) => partition === 1);
    const marked: string[] = [];
    await readPartitions(kafka, [{ topic, partition: 1, from: 50, to: Number(end?.high) - 1 }], async (_request, records) => {
      marked.push(...records.map((record) => record.key.toString()));
    });
    assert.deepEqual(marked, ['tx-0', 'tx-1'], 'the committed records, the markers dropped, and the read ended on the last marker');

    const started = Date.now();
    await assert.rejects(
      readPartitions(kafka, [{ topic, partition: 0, from: 0, to: 49 }], async () => {
        throw new Error('disk full');
      }),
      (error: Error & { code?: string }) => error.code === 'KAFKA_READ_FAILED' && /reading .* failed: disk full/.test(error.message),
    );
    t.diagnostic(`the failed read ended after ${Date.now() - started} ms`);
  });
});
