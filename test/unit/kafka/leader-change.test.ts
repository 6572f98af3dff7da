/**
 * A partition leader moving during a produce (the correctness review's H2, its reproductions R6 and
 * R6b): kafkajs's real sendMessages, as patched by scripts/patch-kafkajs.mjs, over a fake cluster
 * whose leadership moves while a request is out, under a BatchingProducer. A real leader change
 * is tested on a three-broker cluster in test/integration/kafka/leader-change.test.ts; this one
 * makes the exact interleaving that lost messages happen every time.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type { Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { BatchingProducer, recordingPartitioner } from '../../../shared/kafka/batching-producer.js';
import { partitionForKey } from '../../../shared/kafka/partitioner.js';

const require = createRequire(import.meta.url);

type Request = { topicData: { topic: string; partitions: { partition: number; messages: unknown[] }[] }[] };

/**
 * Partition 0 is led by broker 1 and partition 1 by broker 2, which answers after broker 1 did,
 * with NOT_LEADER_FOR_PARTITION: partition 1's leadership has just moved to broker 1. Topics have
 * two partitions. `written` counts the messages each partition received.
 */
function leaderMovesDuringSend(): { producer: Producer; written: Map<string, number> } {
  const sendMessages = require('kafkajs/src/producer/sendMessages');
  const createRetry = require('kafkajs/src/retry');
  const { createErrorFromCode } = require('kafkajs/src/protocol/error');
  const written = new Map<string, number>();
  const leaders: Record<number, number> = { 0: 1, 1: 2 };
  const offsets = new Map<string, number>();
  const broker = (nodeId: number) => ({
    nodeId,
    produce: async ({ topicData }: Request) => {
      if (nodeId === 2) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        leaders[1] = 1;
        throw createErrorFromCode(6); // NOT_LEADER_FOR_PARTITION
      }
      const topics = topicData.map(({ topic, partitions }) => ({
        topicName: topic,
        partitions: partitions.map(({ partition, messages }) => {
          const id = `${topic}/${partition}`;
          written.set(id, (written.get(id) ?? 0) + messages.length);
          const baseOffset = offsets.get(id) ?? 0;
          offsets.set(id, baseOffset + messages.length);
          return { partition, errorCode: 0, baseOffset: String(baseOffset), logAppendTime: '-1', logStartOffset: '0' };
        }),
      }));
      return { topics };
    },
  });
  const brokers = new Map([
    [1, broker(1)],
    [2, broker(2)],
  ]);
  const cluster = {
    targetTopics: new Set<string>(),
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => undefined,
    addMultipleTargetTopics: async () => undefined,
    isConnected: () => true,
    findTopicPartitionMetadata: () => [
      { partitionId: 0, leader: leaders[0] },
      { partitionId: 1, leader: leaders[1] },
    ],
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const byLeader: Record<number, number[]> = {};
      for (const partition of partitions.map(Number)) {
        const leader = leaders[partition];
        if (leader !== undefined) (byLeader[leader] ??= []).push(partition);
      }
      return byLeader;
    },
    findBroker: async ({ nodeId }: { nodeId: string }) => brokers.get(Number(nodeId)),
    removeBroker: () => undefined,
  };
  const eosManager = {
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: async () => undefined,
    isTransactional: () => false,
    getSequence: () => 0,
    updateSequence: () => undefined,
    getProducerId: () => -1,
    getProducerEpoch: () => 0,
    getTransactionalId: () => undefined,
  };
  const logger = { debug: () => undefined, error: () => undefined, info: () => undefined, warn: () => undefined };
  const send = sendMessages({
    logger,
    cluster,
    eosManager,
    partitioner: recordingPartitioner(),
    retrier: createRetry({ retries: 3, initialRetryTime: 5, maxRetryTime: 20 }),
  });
  const producer = {
    sendBatch: ({ topicMessages, acks }: ProducerBatch): Promise<RecordMetadata[]> => send({ topicMessages, acks, timeout: 1000 }),
  } as unknown as Producer;
  return { producer, written };
}

/** A key the default partitioner puts on `partition` of a two-partition topic. */
function keyFor(topic: string, partition: number): string {
  for (let i = 0; ; i++) if (partitionForKey(2, Buffer.from(`k${i}`)) === partition) return `k${i}`;
}

describe('a partition leader moving to a broker that already answered', () => {
  it('R6: a keyed output whose partition moved is re-sent to the new leader, and the flush passes only then', async () => {
    const { producer, written } = leaderMovesDuringSend();
    const batching = new BatchingProducer(producer);
    const sent = batching.send('word-counts', [
      { key: keyFor('word-counts', 0), value: '1' },
      { key: keyFor('word-counts', 1), value: '1' },
    ]);
    await batching.flush();
    await sent;
    assert.deepEqual(Object.fromEntries(written), { 'word-counts/0': 1, 'word-counts/1': 1 }, 'partition 1 received its message');
  });

  it('R6b: a changelog send to the moved partition resolves with the offset the new leader gave it', async () => {
    const { producer, written } = leaderMovesDuringSend();
    const batching = new BatchingProducer(producer);
    const filler = batching.sendToPartition('wc-counts-changelog', 0, [{ key: 'f', value: '1' }]); // occupies the one request in flight
    const other = batching.sendToPartition('wc-counts-changelog', 0, [{ key: 'x', value: '1' }]); // these two share the next request
    await filler;
    const mine = batching.sendToPartition('wc-counts-changelog', 1, [{ key: 'y', value: '1' }]);
    assert.equal(await other, 1);
    assert.equal(await mine, 0);
    assert.deepEqual(Object.fromEntries(written), { 'wc-counts-changelog/0': 2, 'wc-counts-changelog/1': 1 });
  });

  it('a send to a partition the metadata does not have fails the flush (kafkajs as shipped skipped it)', async () => {
    const { producer, written } = leaderMovesDuringSend();
    const batching = new BatchingProducer(producer);
    const sent = batching.send('word-counts', [{ key: 'z', value: '1', partition: 5 }]);
    sent.catch(() => undefined);
    await assert.rejects(batching.flush(), /a send to Kafka failed/);
    await assert.rejects(sent, /a send to Kafka failed/);
    assert.equal(written.size, 0);
  });
});
