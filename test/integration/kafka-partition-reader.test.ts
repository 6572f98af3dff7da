/**
 * shared/kafka/partition-reader.ts against the real broker: exact offset ranges come back in
 * order, and a failing onRecords fails the read at once (kafkajs would otherwise count an eachBatch
 * that keeps failing as retriable and restart the consumer forever: a restore that hangs).
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
      admin,
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

    const started = Date.now();
    await assert.rejects(
      readPartitions(kafka, admin, [{ topic, partition: 0, from: 0, to: 49 }], async () => {
        throw new Error('disk full');
      }),
      (error: Error & { code?: string }) => error.code === 'KAFKA_READ_FAILED' && /reading .* failed: disk full/.test(error.message),
    );
    t.diagnostic(`the failed read ended after ${Date.now() - started} ms`);
  });
});
