import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Producer, RecordMetadata, ProducerBatch } from 'kafkajs';
import { BatchingProducer, recordingPartitioner } from '../../../shared/kafka/batching-producer.js';

/**
 * A stand-in for kafkajs's producer that records each request and answers like a broker would
 * (offsets per partition in request order). The batching logic is ours; Kafka's own behaviour is
 * tested against the real broker in the integration tests.
 */
function recordingProducer(fail = false, unanswered?: string) {
  const requests: { topic: string; partition: number; value: string }[][] = [];
  const offsets = new Map<string, number>();
  let release: (() => void) | undefined;
  // Topics have two partitions; the partitioner is the one kafkajs runs for a BatchingProducer.
  const partitioner = recordingPartitioner();
  const partitionMetadata = [0, 1].map((partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
  const producer = {
    sendBatch: async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
      await new Promise<void>((resolve) => (release = resolve));
      const request = (batch.topicMessages ?? []).flatMap(({ topic, messages }) =>
        messages.map((message) => ({ topic, partition: partitioner({ topic, partitionMetadata, message }), value: String(message.value) })),
      );
      requests.push(request);
      if (fail) throw new Error('broker said no');
      const base = new Map<string, number>();
      for (const { topic, partition } of request) {
        const id = `${topic}:${partition}`;
        if (id === unanswered) continue;
        if (!base.has(id)) base.set(id, offsets.get(id) ?? 0);
        offsets.set(id, (offsets.get(id) ?? 0) + 1);
      }
      return [...base].map(([id, offset]) => {
        const [topicName, partition] = id.split(':') as [string, string];
        return { topicName, partition: Number(partition), errorCode: 0, baseOffset: String(offset) } as RecordMetadata;
      });
    },
  } as unknown as Producer;
  return { producer, requests, releaseNext: () => release?.() };
}

async function drain(flushing: Promise<void>, releaseNext: () => void): Promise<void> {
  let done = false;
  void flushing.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    releaseNext();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await flushing;
}

const messages = (count: number, tag: string) => Array.from({ length: count }, (_, i) => ({ key: null, value: `${tag}${i}` }));

describe('BatchingProducer', () => {
  it('keeps one request in flight and sends what queued meanwhile together, in order', async () => {
    const { producer, requests, releaseNext } = recordingProducer();
    const batching = new BatchingProducer(producer);
    const first = batching.sendToPartition('log', 0, messages(2, 'a'));
    const second = batching.sendToPartition('log', 0, messages(3, 'b'));
    const third = batching.sendToPartition('log', 1, messages(1, 'c'));
    await drain(batching.flush(), releaseNext);
    assert.deepEqual(
      requests.map((request) => request.map((m) => m.value)),
      [
        ['a0', 'a1'],
        ['b0', 'b1', 'b2', 'c0'],
      ],
    );
    assert.deepEqual(await Promise.all([first, second, third]), [1, 4, 0], 'the last offset of each send');
  });

  it('flushes what was queued before the flush, without waiting for what is queued after it', async () => {
    const { producer, requests, releaseNext } = recordingProducer();
    const batching = new BatchingProducer(producer);
    const before = batching.sendToPartition('log', 0, messages(2, 'a'));
    const flushed = batching.flush();
    const after = batching.sendToPartition('log', 0, messages(1, 'b'));
    let afterAcked = false;
    void after.then(() => (afterAcked = true));
    await drain(flushed, releaseNext);
    assert.equal(await before, 1);
    assert.equal(afterAcked, false, 'the later send is still waiting for its request');
    assert.deepEqual(
      requests.map((request) => request.map((m) => m.value)),
      [['a0', 'a1']],
    );
    await drain(batching.flush(), releaseNext);
    assert.equal(await after, 2);
  });

  it('splits a large backlog into requests of at most 2,000 messages, and resolves a split send once', async () => {
    const { producer, requests, releaseNext } = recordingProducer();
    const batching = new BatchingProducer(producer);
    const big = batching.sendToPartition('log', 0, messages(4500, 'x'));
    await drain(batching.flush(), releaseNext);
    assert.deepEqual(
      requests.map((request) => request.length),
      [2000, 2000, 500],
    );
    assert.deepEqual(
      requests.flat().map((m) => m.value),
      messages(4500, 'x').map((m) => m.value),
      'order kept across requests',
    );
    assert.equal(await big, 4499);
  });

  it('keeps a request under the byte limit', async () => {
    const { producer, requests, releaseNext } = recordingProducer();
    const batching = new BatchingProducer(producer);
    void batching.send(
      'out',
      Array.from({ length: 40 }, () => ({ key: null, value: Buffer.alloc(100_000) })),
    );
    await drain(batching.flush(), releaseNext);
    assert.ok(requests.length >= 6, `${requests.length} requests`);
    for (const request of requests) assert.ok(request.length * 100_000 <= 800 * 1024);
  });

  it('fails the request, and every later flush, when a partition a message went to has no offset in the answer', async () => {
    const { producer, releaseNext } = recordingProducer(false, 'out:1');
    const batching = new BatchingProducer(producer);
    const output = batching.send('out', [
      { key: null, value: 'p0', partition: 0 },
      { key: null, value: 'p1', partition: 1 },
    ]);
    const keyless = batching.send('out', messages(2, 'r')); // round-robin: one of them goes to partition 1
    const changelog = batching.sendToPartition('log', 0, messages(1, 'c'));
    for (const sent of [output, keyless, changelog]) sent.catch(() => undefined);
    await assert.rejects(drain(batching.flush(), releaseNext), /a send to Kafka failed: Kafka acknowledged no offset for out\[1\]/);
    await assert.rejects(output, /acknowledged no offset/);
    await assert.rejects(changelog, /acknowledged no offset/, 'nothing of the request resolves');
    await assert.rejects(batching.flush(), /acknowledged no offset/);
  });

  it('fails every waiting send and every later flush when a request fails', async () => {
    const { producer, releaseNext } = recordingProducer(true);
    const batching = new BatchingProducer(producer);
    const sent = batching.send('out', messages(3, 'y'));
    sent.catch(() => undefined);
    await assert.rejects(drain(batching.flush(), releaseNext), /a send to Kafka failed: broker said no/);
    await assert.rejects(sent, /broker said no/);
    await assert.rejects(batching.send('out', messages(1, 'z')), /broker said no/);
  });
});
