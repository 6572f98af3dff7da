/**
 * @confluentinc/kafka-javascript 1.10.1 (librdkafka 2.15.1 under N-API), through its
 * KafkaJS-compatible API, the one its MIGRATION.md offers kafkajs users: eachBatch, send of an
 * array (librdkafka batches with linger.ms), producer.transaction() with sendOffsets({ consumer }).
 */
import confluent from '@confluentinc/kafka-javascript';
import type { KafkaJS as Types } from '@confluentinc/kafka-javascript';
import { FETCH, type AdapterFactory, type OffsetCommit, type OutRecord, type RunningConsumer } from '../adapter.js';

const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 8);

/** A consumer of this client: sendOffsets takes the consumer itself (its generation, KIP-447). */
interface ConfluentConsumer extends RunningConsumer {
  readonly consumer: Types.Consumer;
}

export const createAdapter: AdapterFactory = async (brokers) => {
  const { Kafka, logLevel } = confluent.KafkaJS;
  const kafka = new Kafka({ kafkaJS: { brokers: [...brokers], clientId: 'bench-confluent', logLevel: logLevel.WARN } });
  return {
    name: '@confluentinc/kafka-javascript',
    sendOffsetsNeedsConsumer: true,
    consume: async ({ topic, groupId, onBatch }): Promise<ConfluentConsumer> => {
      const consumer = kafka.consumer({
        kafkaJS: {
          groupId,
          fromBeginning: true,
          autoCommit: false,
          maxBytesPerPartition: FETCH.maxBytesPerPartition,
          maxWaitTimeInMs: FETCH.maxWaitMs,
        },
        // eachBatch hands out at most 32 records by default (like max.poll.records); -1: what was fetched,
        // as Sluice hands its tasks whole fetches. (32 made the at-least-once pipeline time out; 1,024 measured alike.)
        'js.consumer.max.batch.size': Number(process.env.BENCH_CONFLUENT_BATCH ?? -1),
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
      let failure: unknown;
      consumer
        .run({
          partitionsConsumedConcurrently: PARTITIONS,
          eachBatch: async ({ batch }) => {
            let bytes = 0;
            for (const message of batch.messages) bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0);
            if (batch.messages.length === 0) return;
            await onBatch({ partition: batch.partition, count: batch.messages.length, lastOffset: BigInt(batch.lastOffset()), bytes });
          },
        })
        .catch((error: unknown) => (failure ??= error));
      return {
        consumer,
        commitOffsets: (offsets) =>
          consumer.commitOffsets(
            offsets.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset: String(offset), metadata })),
          ),
        stop: async () => {
          await consumer.disconnect();
          if (failure) throw failure;
        },
      };
    },
    producer: async () => {
      const producer = kafka.producer({ kafkaJS: { acks: -1, allowAutoTopicCreation: false }, 'linger.ms': 5 });
      await producer.connect();
      return {
        send: async (topic, records) => {
          await producer.send({ topic, messages: messages(records) });
        },
        flush: () => producer.flush(),
        disconnect: () => producer.disconnect(),
      };
    },
    transactionalProducer: async (transactionalId) => {
      const producer = kafka.producer({
        kafkaJS: { acks: -1, allowAutoTopicCreation: false, transactionalId, idempotent: true },
        'linger.ms': 5,
      });
      await producer.connect();
      let transaction: Types.Transaction | undefined;
      return {
        begin: async () => {
          transaction = await producer.transaction();
        },
        send: async (topic, records) => {
          await transaction?.send({ topic, messages: messages(records) });
        },
        sendOffsets: async (_groupId, consumer, offsets) => {
          const topics = [...new Set(offsets.map((offset) => offset.topic))].map((topic) => ({
            topic,
            partitions: offsets.filter((offset) => offset.topic === topic).map(toPartitionOffset),
          }));
          // The consumer is required (KIP-447); the KafkaJS API passes no metadata on (see FINDINGS.md).
          await transaction?.sendOffsets({ consumer: (consumer as ConfluentConsumer).consumer, topics });
        },
        commit: async () => {
          await transaction?.commit();
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

function toPartitionOffset({ partition, offset, metadata }: OffsetCommit) {
  return { partition, offset: String(offset), metadata };
}
