/**
 * @kafkats/client 0.12.0 (pure TypeScript), used as its documentation shows: `consumer.runBatch`,
 * `producer.send` of an array (its accumulator batches with lingerMs/maxBatchBytes), and the
 * callback-style `producer.transaction(async (tx) => …)` with `tx.sendOffsets` carrying the
 * consumer's group metadata (KIP-447).
 */
import { KafkaClient, type ConsumeContext, type Producer } from '@kafkats/client';
import { FETCH, type AdapterFactory, type OffsetCommit, type OutRecord, type RunningConsumer } from '../adapter.js';

/** The transaction handed to `producer.transaction`'s callback (its type is not exported by name). */
type ProducerTransaction = Parameters<Parameters<Producer['transaction']>[0]>[0];

const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 8);

/** A consumer of this client: the group metadata of its latest delivery goes with transactional offset commits. */
interface KafkatsConsumer extends RunningConsumer {
  readonly context: () => ConsumeContext | undefined;
}

export const createAdapter: AdapterFactory = async (brokers) => {
  const client = new KafkaClient({ brokers: [...brokers], clientId: 'bench-kafkats', logLevel: 'warn' });
  await client.connect();
  // What a request of Sluice's BatchingProducer may carry, so neither side is held to smaller batches.
  const producerConfig = { acks: 'all', lingerMs: 5, maxBatchBytes: 768 * 1024 } as const;
  return {
    name: '@kafkats/client',
    sendOffsetsNeedsConsumer: false,
    consume: async ({ topic, groupId, onBatch }): Promise<KafkatsConsumer> => {
      const consumer = client.consumer({
        groupId,
        autoOffsetReset: 'earliest',
        maxBytesPerPartition: FETCH.maxBytesPerPartition,
        maxWaitMs: FETCH.maxWaitMs,
        // kafkajs and librdkafka (check.crcs=false) do not check CRCs either: the same work.
        checkCrcs: false,
        partitionAssignmentStrategy: 'range',
        // Records per poll, 500 by default (Java's max.poll.records): Sluice hands its tasks whole fetches
        // (1 MiB per partition, ~8,000 of these records), and 500 measured 0.8× kafkajs on the exactly-once pipeline.
        maxRecords: Number(process.env.BENCH_KAFKATS_MAX_RECORDS ?? 10_000),
      });
      let context: ConsumeContext | undefined;
      let failure: unknown;
      consumer.on('error', (error) => (failure ??= error));
      const running = consumer.runBatch(
        topic,
        async (messages, ctx) => {
          context = ctx;
          let bytes = 0;
          for (const message of messages) bytes += (message.key?.length ?? 0) + message.value.length;
          const last = messages[messages.length - 1];
          if (last) await onBatch({ partition: ctx.partition, count: messages.length, lastOffset: last.offset, bytes });
        },
        { autoCommit: false, commitOffsets: false, partitionConcurrency: PARTITIONS },
      );
      running.catch((error: unknown) => (failure ??= error));
      return {
        context: () => context,
        commitOffsets: async () => {
          // No API commits chosen offsets with metadata outside a transaction (see FINDINGS.md).
          throw new Error('@kafkats/client has no commitOffsets(offsets, metadata) on its consumer');
        },
        stop: async () => {
          consumer.stop();
          await running.catch(() => undefined);
          if (failure) throw failure;
        },
      };
    },
    producer: async () => {
      const producer = client.producer(producerConfig);
      return {
        send: async (topic, records) => {
          await Promise.all(pieces(records).map((piece) => producer.send(topic, piece)));
        },
        flush: () => producer.flush(),
        disconnect: () => producer.disconnect(),
      };
    },
    transactionalProducer: async (transactionalId) => {
      const producer = client.producer({ ...producerConfig, transactionalId, idempotent: true });
      // The transaction is a callback; Sluice's commit loop opens and ends it from outside.
      let open: { tx: ProducerTransaction; end: () => void; done: Promise<unknown> } | undefined;
      return {
        begin: async () => {
          await new Promise<void>((started, failed) => {
            let end: () => void = () => undefined;
            const ended = new Promise<void>((resolve) => (end = resolve));
            const done = producer.transaction(async (tx) => {
              open = { tx, end, done };
              started();
              await ended;
            });
            done.catch(failed);
          });
        },
        send: async (topic, records) => {
          const tx = open?.tx;
          await Promise.all(pieces(records).map((piece) => tx?.send(topic, piece)));
        },
        sendOffsets: async (groupId, consumer, offsets) => {
          const context = (consumer as KafkatsConsumer | undefined)?.context();
          await open?.tx.sendOffsets({
            ...(context?.consumerGroupMetadata ? { consumerGroupMetadata: context.consumerGroupMetadata } : { groupId }),
            offsets: offsets.map(toOffset),
          });
        },
        commit: async () => {
          const current = open;
          open = undefined;
          current?.end();
          await current?.done;
        },
        disconnect: () => producer.disconnect(),
      };
    },
    close: () => client.disconnect(),
  };
};

/**
 * One `send` becomes one record batch per partition, never split: a send over the topic's
 * max.message.bytes fails with MessageTooLarge (seen with 10,000 records). Sluice's BatchingProducer
 * cuts requests at 2,000 records; the same cut here.
 */
function pieces(records: readonly OutRecord[]) {
  const all = records.map(({ key, value, partition }) => ({ key, value, partition }));
  return Array.from({ length: Math.ceil(all.length / 2000) }, (_, index) => all.slice(index * 2000, (index + 1) * 2000));
}

function toOffset({ topic, partition, offset, metadata }: OffsetCommit) {
  return { topic, partition, offset, metadata };
}
