/**
 * kafkajs 2.2.4 as Sluice uses it today (patched by scripts/patch-kafkajs.mjs at install): the
 * project's own client factory, owned-partitions assigner and BatchingProducer, the consumer and
 * producer settings of executor/systems/kafka/kafka-system.ts.
 */
import type { Producer, Transaction } from 'kafkajs';
import { BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ownedPartitionsAssigner } from '../../../shared/kafka/owned-partitions-assigner.js';
import { FETCH, type AdapterFactory, type OffsetCommit, type OutRecord } from '../adapter.js';

const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 8);

export const createAdapter: AdapterFactory = async (brokers) => {
  const kafka = createKafka({ brokers, clientId: 'bench-kafkajs' });
  const toOffsets = (offsets: readonly OffsetCommit[]) =>
    offsets.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset: String(offset), metadata }));
  return {
    name: 'kafkajs',
    sendOffsetsNeedsConsumer: false,
    consume: async ({ topic, groupId, onBatch }) => {
      const consumer = kafka.consumer({
        groupId,
        partitionAssigners: [
          ownedPartitionsAssigner({
            container: 'bench',
            partitions: { [topic]: Array.from({ length: PARTITIONS }, (_, partition) => partition) },
            startedAt: Date.now(),
          }),
        ],
        allowAutoTopicCreation: false,
        maxBytesPerPartition: FETCH.maxBytesPerPartition,
        maxWaitTimeInMs: FETCH.maxWaitMs,
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: PARTITIONS,
        eachBatch: async ({ batch }) => {
          let bytes = 0;
          for (const message of batch.messages) bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0);
          if (batch.messages.length === 0) return;
          await onBatch({ partition: batch.partition, count: batch.messages.length, lastOffset: BigInt(batch.lastOffset()), bytes });
        },
      });
      return {
        commitOffsets: (offsets) => consumer.commitOffsets(toOffsets(offsets)),
        stop: () => consumer.disconnect(),
      };
    },
    producer: async () => {
      const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
      await producer.connect();
      const batching = new BatchingProducer(producer);
      return {
        send: (topic, records) => batching.send(topic, messages(records)),
        flush: () => batching.flush(),
        disconnect: () => producer.disconnect(),
      };
    },
    transactionalProducer: async (transactionalId) => {
      const producer = kafka.producer({ allowAutoTopicCreation: false, transactionalId, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      let transaction: Transaction | undefined;
      // The same batching as Sluice's outputs, its requests going into the open transaction.
      const batching = new BatchingProducer({
        sendBatch: (batch: Parameters<Producer['sendBatch']>[0]) => (transaction as Transaction).sendBatch(batch),
      } as Producer);
      return {
        begin: async () => {
          transaction = await producer.transaction();
        },
        send: (topic, records) => batching.send(topic, messages(records)),
        sendOffsets: async (groupId, _consumer, offsets) => {
          // kafkajs's types leave out the metadata its TxnOffsetCommit request encodes (v0: no generation).
          const topics = [...new Set(offsets.map((offset) => offset.topic))].map((topic) => ({
            topic,
            partitions: toOffsets(offsets.filter((offset) => offset.topic === topic)),
          }));
          await (transaction as Transaction).sendOffsets({ consumerGroupId: groupId, topics });
        },
        commit: async () => {
          await batching.flush();
          await (transaction as Transaction).commit();
          transaction = undefined;
        },
        disconnect: () => producer.disconnect(),
      };
    },
    close: async () => undefined,
  };
};

function messages(records: readonly OutRecord[]) {
  return records.map(({ key, value, partition }) => ({ key, value, partition }));
}
