/**
 * The e2e bench's raw pipeline: the word count's Kafka I/O with kafkajs alone, no Sluice. Started
 * like the container (bench/lib/container-run.ts, compiled: `node … raw-pipeline.js <config>`)
 * and watched the same way, through its group's committed offsets. Per input it counts the word
 * in a Map and sends what the container sends: the count to the output topic (keyed by the word,
 * default partitioner) and the same record, with the container's epoch header, to the input's
 * partition of a compacted changelog; through a BatchingProducer with the container's producer
 * config, a consumer with the container's fetch settings, and every `commitMs` a flush and then an
 * offset commit, as an at-least-once commit does (without the stores, checkpoints' metadata and
 * task loops: that is the difference measured). Runs until SIGTERM, and stops itself after
 * MAX_RUN_MS.
 */
import { readFileSync } from 'node:fs';
import type { Message } from 'kafkajs';
import { BATCHING_PRODUCER_CONFIG, BatchingProducer } from '../../shared/kafka/batching-producer.js';
import { createKafka } from '../../shared/kafka/client.js';
import { kafkaErrorTypes } from '../../shared/kafka/errors.js';
import { EPOCH_HEADER, encodeEpoch } from '../../executor/store/changelog.js';

export interface RawPipelineConfig {
  readonly brokers: readonly string[];
  readonly input: string;
  readonly group: string;
  readonly output: string;
  readonly changelog: string;
  readonly commitMs: number;
  /** The consumer's fetch settings: the container's (executor/systems/kafka/kafka-system.ts). */
  readonly maxBytesPerPartition: number;
  readonly maxWaitTimeInMs: number;
}

/** Records sent but not yet acknowledged before a batch waits: about a second of work, so the producer is never starved. */
const MAX_PENDING_RECORDS = 100_000;
const MAX_RUN_MS = 10 * 60_000;
/** The header of every changelog record the container sends (its task's epoch). */
const HEADERS = { [EPOCH_HEADER]: encodeEpoch(1n) };

const configFile = process.argv[2];
if (!configFile) throw new Error('usage: raw-pipeline.ts <config.json>');
const config = JSON.parse(readFileSync(configFile, 'utf8')) as RawPipelineConfig;

const kafka = createKafka({ brokers: config.brokers, clientId: 'bench-raw-pipeline' });
const producer = kafka.producer(BATCHING_PRODUCER_CONFIG);
const batching = new BatchingProducer(producer);
const consumer = kafka.consumer({
  groupId: config.group,
  allowAutoTopicCreation: false,
  maxBytesPerPartition: config.maxBytesPerPartition,
  maxWaitTimeInMs: config.maxWaitTimeInMs,
});
const counts = new Map<string, number>();
/** Per input partition, the offset after the last input whose records were queued. */
const next = new Map<number, string>();
const pending: { readonly acked: Promise<unknown>; readonly records: number }[] = [];
let pendingRecords = 0;
/** The sends since the last commit's offsets were taken: that commit waits for them. */
let sinceCommit: Promise<unknown>[] = [];
/** A commit the group refused while it rebalanced: the consumer rejoins by itself, the next commit covers these offsets too. */
const COMMIT_LATER = ['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'KafkaJSRebalanceInProgress'];

function track(acked: Promise<unknown>, records: number): void {
  acked.catch(() => undefined); // a failed send fails the next commit, and the process
  pending.push({ acked, records });
  pendingRecords += records;
  sinceCommit.push(acked);
}

async function commitLoop(): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, config.commitMs));
    // The offsets and the sends they cover, taken together (nothing awaits between a batch's sends and its offset).
    const offsets = [...next].map(([partition, offset]) => ({ topic: config.input, partition, offset }));
    const covered = sinceCommit;
    sinceCommit = [];
    // Only these sends: a BatchingProducer's flush() would also wait for every later one, and never end under load.
    await Promise.all(covered);
    if (offsets.length === 0) continue;
    try {
      await consumer.commitOffsets(offsets);
    } catch (error) {
      const types = kafkaErrorTypes(error);
      if (!COMMIT_LATER.some((type) => types.has(type))) throw error;
    }
  }
}

async function stop(code: number): Promise<never> {
  await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  process.exit(code);
}

process.once('SIGTERM', () => void stop(0));
setTimeout(() => void stop(1), MAX_RUN_MS).unref();

await producer.connect();
await consumer.connect();
await consumer.subscribe({ topics: [config.input], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  partitionsConsumedConcurrently: 8,
  eachBatch: async ({ batch }) => {
    if (batch.messages.length === 0) return;
    const outputs: Message[] = [];
    const changes: Message[] = [];
    for (const { key } of batch.messages) {
      if (!key) continue;
      const word = key.toString();
      const count = (counts.get(word) ?? 0) + 1;
      counts.set(word, count);
      outputs.push({ key, value: JSON.stringify(count) });
      changes.push({ key, value: JSON.stringify(count) });
    }
    track(batching.send(config.output, outputs), outputs.length);
    track(batching.sendToPartition(config.changelog, batch.partition, changes, HEADERS), changes.length);
    next.set(batch.partition, String(BigInt(batch.lastOffset()) + 1n));
    // Batches of other partitions wait here too: each takes the oldest sends off the list before it waits.
    while (pendingRecords > MAX_PENDING_RECORDS && pending.length > 0) {
      const oldest = pending.shift() as (typeof pending)[number];
      pendingRecords -= oldest.records;
      await oldest.acked;
    }
  },
});
commitLoop().catch((error: unknown) => {
  process.stderr.write(`raw pipeline failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  void stop(1);
});
