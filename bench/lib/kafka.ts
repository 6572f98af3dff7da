/**
 * Kafka for the benches: each bench starts its own broker (and ZooKeeper) with the test infrastructure (Maven
 * jars, loopback ports) and stops it whatever happens, fills topics, and measures the baseline
 * every Kafka goal is divided by: a plain kafkajs consumer group that only counts records.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Admin, Kafka, Message } from 'kafkajs';
import { ensureTopic, type TopicSpec } from '../../shared/kafka/topics.js';
import { join } from 'node:path';
import { infraSettings } from '../../dev/services/settings.js';
import { startServices, type Services } from '../../dev/services/start-services.js';
import type { CleanupList } from '../../test/e2e/helpers/framework-run.js';

/** Service and container logs of the benches, apart from those of test runs. */
export const benchLogDir = join(infraSettings().logDir, 'bench');

/** Runs `bench` against a fresh broker; Ctrl-C still stops the JVMs. */
export async function withKafka<T>(bench: (brokers: readonly string[]) => Promise<T>): Promise<T> {
  return withServices((services) => bench(services.kafka.brokers));
}

/**
 * Runs `bench` against a fresh ZooKeeper and broker. On Ctrl-C (or SIGTERM) `cleanups` runs first
 * (what the bench started that uses them), then the JVMs stop and the process exits.
 */
export async function withServices<T>(bench: (services: Services) => Promise<T>, cleanups?: CleanupList): Promise<T> {
  await mkdir(benchLogDir, { recursive: true });
  const services = await startServices({ ...infraSettings(), logDir: benchLogDir });
  const interrupted = () => void (cleanups?.run() ?? Promise.resolve()).finally(() => services.stop().finally(() => process.exit(130)));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await bench(services);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanups?.run();
    await services.stop();
  }
}

/**
 * ensureTopic, retried: kafkajs's createTopics (waitForLeaders) can fail with
 * UNKNOWN_TOPIC_OR_PARTITION on a busy broker although the topic was created (kafkajs #1618);
 * a second call finds the topic and validates it with retries.
 */
export async function createTopic(admin: Admin, spec: TopicSpec): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureTopic(admin, spec);
      return;
    } catch (error) {
      if (attempt >= 5 || (error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * Produces `count` messages made by `message(i)`, REQUEST messages per request and a few requests
 * in flight (enough to keep a single-node broker busy; the producer is not what is measured).
 */
export async function produce(kafka: Kafka, topic: string, count: number, message: (index: number) => Message): Promise<number> {
  const REQUEST = 10_000;
  const IN_FLIGHT = 4;
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = performance.now();
  try {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const from = next;
        next = Math.min(count, next + REQUEST);
        const messages = Array.from({ length: next - from }, (_, offset) => message(from + offset));
        await producer.send({ topic, messages, acks: -1 });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  } finally {
    await producer.disconnect();
  }
  return count / ((performance.now() - started) / 1000);
}

export interface ConsumeRun {
  readonly records: number;
  /** Key and value bytes, the same count restore reports. */
  readonly bytes: number;
  /** From connect (so the group join is included, as it is for what is compared) to the last record. */
  readonly seconds: number;
  /** From connect to the first record: the fixed cost before data flows. */
  readonly firstRecordSeconds: number;
  /** CPU of this process (user + system) over the same span. */
  readonly cpuMicros: number;
}

/**
 * Consumes a topic from the beginning in a fresh consumer group until `expected` records were
 * seen, doing nothing with them but counting: the ceiling for anything built on kafkajs.
 */
export async function rawConsume(
  kafka: Kafka,
  topic: string,
  expected: number,
  fetch: { maxBytesPerPartition: number; maxWaitTimeInMs: number },
): Promise<ConsumeRun> {
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, allowAutoTopicCreation: false, ...fetch });
  const cpu = process.cpuUsage();
  const started = performance.now();
  let records = 0;
  let bytes = 0;
  let firstRecordSeconds = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      // Bounded: a lost record would otherwise hang the bench.
      const timeout = setTimeout(() => reject(new Error(`raw consume saw ${records} of ${expected} records in 300 s`)), 300_000);
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error); // a retriable crash restarts the consumer by itself
      });
      consumer
        .run({
          autoCommit: false,
          partitionsConsumedConcurrently: 8,
          eachBatch: async ({ batch }) => {
            firstRecordSeconds ||= (performance.now() - started) / 1000;
            for (const message of batch.messages) bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0);
            records += batch.messages.length;
            if (records >= expected) {
              clearTimeout(timeout);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { records, bytes, seconds, firstRecordSeconds, cpuMicros: used.user + used.system };
  } finally {
    await consumer.disconnect();
  }
}
