/**
 * `npm run bench:e2e`: the word-count example on a real Kafka, as one container process hosting
 * all 8 tasks (`containers: 1`), started after the input is produced, against a plain kafkajs
 * consume of the same input in the same run; writes bench/results/e2e.json (see bench/README.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createKafka } from '../shared/kafka/client.js';
import { setLogLevel } from '../shared/log.js';
import { STORE_DEFAULTS } from '../shared/config/job-config.js';
import { runContainer } from './lib/container-run.js';
import { benchLogDir, createTopic, produce, rawConsume, withKafka } from './lib/kafka.js';
import { writeResult } from './lib/results.js';

const MESSAGES = 1_000_000;
const PARTITIONS = 8;
/** A skewed vocabulary of 2,000 words, like the example's integration test. */
const VOCABULARY = 2000;
/** One commit a second, as the example job commits: the end is seen within one interval. */
const COMMIT_MS = 1000;
/** The container's time limit: with Kafka's start and the input, the bench stays under 10 min. */
const RUN_TIMEOUT_MS = 7 * 60_000;
const repo = resolve(import.meta.dirname, '..');

setLogLevel('warn');
// Other work on the machine skews every number here; the load says how much to trust a run.
const [loadAverage = 0] = loadavg();

/** A word for message `index`, from a stateless hash so producers may build messages in any order. */
function wordOf(index: number): string {
  const uniform = (Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) >>> 0) / 2 ** 32;
  return `w${Math.floor(uniform ** 2 * VOCABULARY)}`;
}

await withKafka(async (brokers) => {
  const kafka = createKafka({ brokers, clientId: 'bench-e2e' });
  const admin = kafka.admin();
  await admin.connect();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-e2e-'));
  try {
    const name = `bench-wc-${randomBytes(3).toString('hex')}`;
    const words = `${name}-words`;
    const counts = `${name}-counts`;
    await createTopic(admin, { topic: words, partitions: PARTITIONS, compacted: false, purpose: 'e2e bench input' });
    // Created here with the settings the container would use: its own creation can fail on a busy
    // broker with UNKNOWN_TOPIC_OR_PARTITION (see createTopic), which is not what this bench measures.
    await createTopic(admin, { topic: counts, partitions: PARTITIONS, compacted: false, purpose: 'e2e bench output' });
    await createTopic(admin, {
      topic: `${name}-counts-changelog`,
      partitions: PARTITIONS,
      compacted: true,
      purpose: 'e2e bench changelog',
      minCompactionLagMs: STORE_DEFAULTS.minCompactionLagMs,
      configs: {
        'max.message.bytes': String(STORE_DEFAULTS.maxRecordBytes + 1024),
        'delete.retention.ms': String(STORE_DEFAULTS.deleteRetentionMs),
      },
    });
    process.stdout.write(`producing ${MESSAGES} words to ${PARTITIONS} partitions…\n`);
    const produceRate = await produce(kafka, words, MESSAGES, (index) => ({ key: wordOf(index), value: wordOf(index) }));
    process.stdout.write('raw consume…\n');
    // The container's own fetch settings (executor/systems/kafka/kafka-system.ts), so only the work differs.
    const raw = await rawConsume(kafka, words, MESSAGES, { maxBytesPerPartition: 1024 * 1024, maxWaitTimeInMs: 500 });
    const configFile = join(dir, 'job.json');
    await writeFile(
      configFile,
      JSON.stringify({
        job: { name, module: join(repo, 'examples/word-count/word-count.ts') },
        inputs: [{ topic: words }],
        outputs: [{ topic: counts, 'value-serde': 'json', partitions: PARTITIONS }],
        stores: { counts: { engine: 'rocksdb', 'value-serde': 'json' } },
        task: { 'commit-ms': COMMIT_MS },
        containers: 1,
        'state-dir': join(dir, 'state'),
        config: { words, counts },
      }),
    );
    process.stdout.write('word count in one container process…\n');
    const run = await runContainer(admin, {
      configFile,
      brokers,
      input: words,
      group: `sluice-${name}`,
      logFile: join(benchLogDir, `${name}-container-0.log`),
      timeoutMs: RUN_TIMEOUT_MS,
    });
    // A run that stopped short is still reported: its rate is what it checkpointed in its time.
    if (run.failure) process.stdout.write(`NOT FINISHED: ${run.failure}\n`);
    const msgsPerSecond = run.checkpointed / run.seconds;
    const rawRate = raw.records / raw.seconds;
    await writeResult(
      'e2e',
      {
        msgs_per_s: msgsPerSecond,
        completed_fraction: run.checkpointed / MESSAGES,
        wall_s: run.seconds,
        first_checkpoint_s: run.firstCheckpointSeconds,
        steady_msgs_per_s: run.steadyRate,
        container_cpu_s: run.cpuMicros / 1e6,
        container_loop_delay_max_ms: run.probe?.loopDelayMaxMs ?? -1,
        container_loop_delay_p99_ms: run.probe?.loopDelayP99Ms ?? -1,
        raw_consume_msgs_per_s: rawRate,
        raw_consume_s: raw.seconds,
        raw_consume_cpu_us_per_msg: raw.cpuMicros / raw.records,
        input_produce_msgs_per_s: produceRate,
        load_average_1m_at_start: loadAverage,
      },
      {
        e2e_vs_raw_consume: { value: msgsPerSecond / rawRate, goal: 0.8, better: 'higher' },
        cpu_us_per_msg: { value: run.cpuMicros / Math.max(1, run.checkpointed), goal: 20, better: 'lower' },
      },
    );
  } finally {
    await admin.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
});
