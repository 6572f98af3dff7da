/**
 * Restore from a real Kafka changelog vs a plain kafkajs consume of the same topic, in one run.
 * The changelog has one partition per task of a container (PARTITIONS), and restore rebuilds one
 * RocksDB store per partition, as a container that lost its disk does at start.
 */
import { EVERY_WRITER } from '../../executor/checkpoint/checkpoint.js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setLogLevel } from '../../shared/log.js';
import { BatchingProducer } from '../../shared/kafka/batching-producer.js';
import { createKafka } from '../../shared/kafka/client.js';
import { EPOCH_HEADER, encodeEpoch, type ChangelogSource } from '../../executor/store/changelog.js';
import { KafkaChangelogSink, KafkaChangelogSource } from '../../executor/systems/kafka/kafka-changelog.js';
import { createEngine } from '../../executor/store/engines/create-engine.js';
import { restoreStores, type RestoreTarget } from '../../executor/store/restore.js';
import { STORE_DEFAULTS } from '../../shared/config/job-config.js';
import { createTopic, produce, rawConsume, withKafka } from './kafka.js';
import { withPeakRss } from './peak-rss.js';
import { keyOf, scratchDir, valueOf } from './store-ops.js';

const PARTITIONS = 4;
/** Each side runs this often, alternating, and its best run counts (the first pays for cold caches). */
const ROUNDS = 2;
/**
 * The epoch of the task owner that wrote the changelog and restores it: every record carries it in
 * its header, as a container's changelog writes do, so restore's epoch check runs as it does there.
 */
const EPOCH = 1n;
/** The fetch size the restore reader asks for, so the baseline fetches alike. */
const FETCH = { maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 250 };

export interface RestoreRun {
  readonly records: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly firstRecordSeconds: number;
  readonly cpuMicros: number;
}

export interface RestoreComparison {
  readonly produceRate: number;
  readonly raw: RestoreRun;
  readonly restore: RestoreRun;
  /** The process's peak RSS during each side's runs (the highest of its rounds), in MB. */
  readonly rawPeakRssMb: number;
  readonly restorePeakRssMb: number;
}

/** Fills a changelog with `count` distinct 16-byte keys and 64-byte values, then compares. */
export async function compareRestore(count: number): Promise<RestoreComparison> {
  return withKafka(async (brokers) => {
    setLogLevel('warn');
    const kafka = createKafka({ brokers, clientId: 'bench-restore' });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      const topic = 'bench-restore-changelog';
      await createTopic(admin, { topic, partitions: PARTITIONS, compacted: true, purpose: 'restore bench changelog' });
      const headers = { [EPOCH_HEADER]: encodeEpoch(EPOCH) };
      const produceRate = await produce(kafka, topic, count, (index) => ({
        key: keyOf(index),
        value: valueOf(index),
        partition: index % PARTITIONS,
        headers,
      }));
      const source = new KafkaChangelogSource(kafka, admin);
      const sink = new BatchingProducer(producer);
      let raw: RestoreRun | undefined;
      let restore: RestoreRun | undefined;
      let rawPeakRssMb = 0;
      let restorePeakRssMb = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const consumed = await withPeakRss(() => rawConsume(kafka, topic, count, FETCH));
        rawPeakRssMb = Math.max(rawPeakRssMb, consumed.peakRssMb);
        if (!raw || consumed.result.seconds < raw.seconds) raw = consumed.result;
        const restored = await withPeakRss(() => restoreOnce(topic, source, sink));
        restorePeakRssMb = Math.max(restorePeakRssMb, restored.peakRssMb);
        if (restored.result.records !== count) throw new Error(`restore replayed ${restored.result.records} of ${count} records`);
        if (!restore || restored.result.seconds < restore.seconds) restore = restored.result;
      }
      return { produceRate, raw: raw as RestoreRun, restore: restore as RestoreRun, rawPeakRssMb, restorePeakRssMb };
    } finally {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    }
  });
}

/** One restore of every partition into fresh RocksDB stores (no local state: a full replay). */
async function restoreOnce(topic: string, source: KafkaChangelogSource, producer: BatchingProducer): Promise<RestoreRun> {
  const dir = await scratchDir();
  // A checkpoint at the end of each partition: the whole changelog counts (without one, a restore
  // starts from an empty state and trims the changelog instead of replaying it).
  const ends = await Promise.all(Array.from({ length: PARTITIONS }, (_, partition) => source.watermarks({ topic, partition })));
  const targets: RestoreTarget[] = ends.map(({ high }, partition) => {
    const changelog = { topic, partition };
    return {
      context: { job: 'bench', store: 'bench', task: `Partition ${partition}` },
      changelog,
      // Only a trim would send through it; a restore up to the end has nothing to trim.
      sink: new KafkaChangelogSink(producer, changelog, EPOCH),
      storeDir: join(dir, String(partition)),
      createEngine: (dbDir) => createEngine('rocksdb', dbDir, { wal: false }),
      checkpoint: { offset: high - 1, writers: EVERY_WRITER },
      epoch: EPOCH,
    };
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  let firstRecordSeconds = 0;
  // Notes when the first records arrive, to tell the fixed start-up cost from the replay rate.
  const timed: ChangelogSource = {
    watermarks: (target) => source.watermarks(target),
    read: (requests, onRecords) =>
      source.read(requests, (request, records) => {
        firstRecordSeconds ||= (performance.now() - started) / 1000;
        return onRecords(request, records);
      }),
  };
  const results = await restoreStores(targets, timed, { deleteRetentionMs: STORE_DEFAULTS.deleteRetentionMs });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await Promise.all(results.map((result) => result.engine.close()));
  await rm(dir, { recursive: true, force: true });
  return {
    records: results.reduce((sum, result) => sum + result.replayed, 0),
    bytes: results.reduce((sum, result) => sum + result.replayedBytes, 0),
    seconds,
    firstRecordSeconds,
    cpuMicros: used.user + used.system,
  };
}
