/**
 * `npm run bench:e2e`: the word-count example on a real Kafka, as one container process hosting
 * all 8 tasks (`containers: 1`), started after the input is produced, once at least once and once
 * exactly once (Kafka transactions), against a plain kafkajs consume of the same input in the same
 * run; each run's counts are checked; writes bench/results/e2e.json (see bench/README.md).
 * The modes alternate over `--rounds N` (default 2: at least once, exactly once, exactly once, at
 * least once), and each mode's best run is reported; `--first exactly-once` starts with exactly once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka } from '../shared/kafka/client.js';
import { setLogLevel } from '../shared/log.js';
import { STORE_DEFAULTS } from '../shared/config/job-config.js';
import { runContainer } from './lib/container-run.js';
import { benchLogDir, createTopic, produce, rawConsume, withKafka } from './lib/kafka.js';
import { writeResult, type Goal } from './lib/results.js';
import { checkWordCount } from './lib/word-count-check.js';

const MESSAGES = 1_000_000;
const PARTITIONS = 8;
/** A skewed vocabulary of 2,000 words, like the example's integration test. */
const VOCABULARY = 2000;
/**
 * Each mode's job config. At least once commits once a second, as this bench always did (so its
 * figures compare with earlier ones) and as the example job does: its default, 60 s, would hide
 * the end for up to a minute. Exactly once keeps its default, 100 ms (outputs wait for the commit).
 */
const MODES = {
  'at-least-once': { prefix: 'alos', task: { guarantee: 'at-least-once', 'commit-ms': 1000 }, commitMs: 1000 },
  'exactly-once': { prefix: 'eos', task: { guarantee: 'exactly-once' }, commitMs: 100 },
} as const;
type Mode = keyof typeof MODES;
/** Each container's time limit (a run takes 20–40 s on 2 cores). */
const RUN_TIMEOUT_MS = 3 * 60_000;
const repo = resolve(import.meta.dirname, '..');

setLogLevel('warn');
// Other work on the machine skews every number here; the load says how much to trust a run.
const [loadAverage = 0] = loadavg();

/** A word for message `index`, from a stateless hash so producers may build messages in any order. */
function wordOf(index: number): string {
  const uniform = (Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) >>> 0) / 2 ** 32;
  return `w${Math.floor(uniform ** 2 * VOCABULARY)}`;
}

const first: Mode = process.argv.includes('--first') ? parseMode(argument('--first')) : 'at-least-once';
const second: Mode = first === 'exactly-once' ? 'at-least-once' : 'exactly-once';
const rounds = process.argv.includes('--rounds') ? Number(argument('--rounds')) : 2;
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10) throw new Error(`--rounds: expected 1 to 10, got ${argument('--rounds')}`);
/** ABBA…: each mode runs as often first as second in its round, so neither gets the warmer broker. */
const runs = Array.from({ length: rounds }, (_, round) => (round % 2 === 0 ? [first, second] : [second, first])).flat();

function argument(name: string): string | undefined {
  return process.argv[process.argv.indexOf(name) + 1];
}

function parseMode(text: string | undefined): Mode {
  if (text === 'exactly-once' || text === 'at-least-once') return text;
  throw new Error(`--first: expected exactly-once or at-least-once, got ${text}`);
}

/** The true count of every word of the input. */
function expectedCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (let index = 0; index < MESSAGES; index++) {
    const word = wordOf(index);
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

/** The job's output and changelog topics, created here with the settings the container would use. */
async function createJobTopics(admin: Admin, job: string): Promise<void> {
  // Its own creation can fail on a busy broker with UNKNOWN_TOPIC_OR_PARTITION (see createTopic),
  // which is not what this bench measures.
  await createTopic(admin, { topic: `${job}-counts`, partitions: PARTITIONS, compacted: false, purpose: 'e2e bench output' });
  await createTopic(admin, {
    topic: `${job}-counts-changelog`,
    partitions: PARTITIONS,
    compacted: true,
    purpose: 'e2e bench changelog',
    minCompactionLagMs: STORE_DEFAULTS.minCompactionLagMs,
    configs: {
      'max.message.bytes': String(STORE_DEFAULTS.maxRecordBytes + 1024),
      'delete.retention.ms': String(STORE_DEFAULTS.deleteRetentionMs),
    },
  });
}

await withKafka(async (brokers) => {
  const kafka = createKafka({ brokers, clientId: 'bench-e2e' });
  const admin = kafka.admin();
  await admin.connect();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-e2e-'));
  try {
    const name = `bench-wc-${randomBytes(3).toString('hex')}`;
    const words = `${name}-words`;
    await createTopic(admin, { topic: words, partitions: PARTITIONS, compacted: false, purpose: 'e2e bench input' });
    const jobs = runs.map((mode, index) => ({ mode, job: `${name}-${MODES[mode].prefix}${index + 1}` }));
    for (const { job } of jobs) await createJobTopics(admin, job);
    process.stdout.write(`producing ${MESSAGES} words to ${PARTITIONS} partitions…\n`);
    const produceRate = await produce(kafka, words, MESSAGES, (index) => ({ key: wordOf(index), value: wordOf(index) }));
    const expected = expectedCounts();
    process.stdout.write('raw consume…\n');
    // The container's own fetch settings (executor/systems/kafka/kafka-system.ts), so only the work differs.
    const raw = await rawConsume(kafka, words, MESSAGES, { maxBytesPerPartition: 1024 * 1024, maxWaitTimeInMs: 500 });
    const rawRate = raw.records / raw.seconds;
    const results: ModeRun[] = [];
    for (const { mode, job } of jobs) {
      const result = await runMode(kafka, admin, { mode, job, brokers, words, dir, expected });
      process.stdout.write(`  ${mode}: ${Math.round(result.msgsPerSecond)} msgs/s, ${result.cpuUsPerMsg.toFixed(1)} µs CPU/msg\n`);
      results.push(result);
    }
    const metrics: Record<string, number> = {};
    const goals: Record<string, Goal> = {};
    const best = new Map<Mode, ModeRun>();
    for (const mode of [first, second]) {
      const own = results.filter((result) => result.mode === mode);
      // The best run: what the mode does when the machine's other work disturbs it least.
      const top = own.reduce((a, b) => (b.msgsPerSecond > a.msgsPerSecond ? b : a));
      best.set(mode, top);
      const { prefix } = MODES[mode];
      for (const [metric, value] of Object.entries(top.metrics)) metrics[`${prefix}_${metric}`] = value;
      metrics[`${prefix}_worst_msgs_per_s`] = Math.min(...own.map((result) => result.msgsPerSecond));
      const vsRaw = top.msgsPerSecond / rawRate;
      // At least once keeps the goal this bench always had; exactly once is held to eos_vs_alos.
      if (mode === 'at-least-once') goals.alos_e2e_vs_raw_consume = { value: vsRaw, goal: 0.8, better: 'higher' };
      else metrics.eos_e2e_vs_raw_consume = vsRaw;
      goals[`${prefix}_cpu_us_per_msg`] = { value: top.cpuUsPerMsg, goal: 20, better: 'lower' };
    }
    const eos = best.get('exactly-once') as ModeRun;
    const alos = best.get('at-least-once') as ModeRun;
    goals.eos_vs_alos = { value: eos.msgsPerSecond / alos.msgsPerSecond, goal: 0.7, better: 'higher' };
    metrics.eos_vs_alos_steady = alos.steadyRate > 0 ? eos.steadyRate / alos.steadyRate : 0;
    Object.assign(metrics, {
      rounds,
      eos_ran_first: first === 'exactly-once' ? 1 : 0,
      raw_consume_msgs_per_s: rawRate,
      raw_consume_s: raw.seconds,
      raw_consume_cpu_us_per_msg: raw.cpuMicros / raw.records,
      input_produce_msgs_per_s: produceRate,
      load_average_1m_at_start: loadAverage,
    });
    await writeResult('e2e', metrics, goals);
    // Wrong counts are a broken product, not a missed goal: the bench fails (after recording).
    const wrong = results.filter((result) => result.wrong !== undefined).map((result) => `${result.mode}: ${result.wrong}`);
    if (wrong.length > 0) throw new Error(`wrong counts: ${wrong.join(' | ')}`);
  } finally {
    await admin.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
});

interface ModeRun {
  readonly mode: Mode;
  readonly msgsPerSecond: number;
  readonly steadyRate: number;
  readonly cpuUsPerMsg: number;
  /** The mismatches when the counts were wrong. */
  readonly wrong: string | undefined;
  /** Without the mode's prefix. */
  readonly metrics: Record<string, number>;
}

/** One container run of the word count in `mode` as job `job`, then the check of its counts. */
async function runMode(
  kafka: Kafka,
  admin: Admin,
  options: {
    mode: Mode;
    job: string;
    brokers: readonly string[];
    words: string;
    dir: string;
    expected: ReadonlyMap<string, number>;
  },
): Promise<ModeRun> {
  const { mode, job, words } = options;
  const { task, commitMs } = MODES[mode];
  const jobDir = join(options.dir, job);
  await mkdir(jobDir, { recursive: true });
  const configFile = join(jobDir, 'job.json');
  await writeFile(
    configFile,
    JSON.stringify({
      job: { name: job, module: join(repo, 'examples/word-count/word-count.ts') },
      inputs: [{ topic: words }],
      outputs: [{ topic: `${job}-counts`, 'value-serde': 'json', partitions: PARTITIONS }],
      stores: { counts: { engine: 'rocksdb', 'value-serde': 'json' } },
      task,
      containers: 1,
      'state-dir': join(jobDir, 'state'),
      config: { words, counts: `${job}-counts` },
    }),
  );
  process.stdout.write(`word count ${mode} (${job}) in one container process…\n`);
  const run = await runContainer(admin, {
    configFile,
    brokers: options.brokers,
    input: words,
    group: `sluice-${job}`,
    logFile: join(benchLogDir, `${job}-container-0.log`),
    timeoutMs: RUN_TIMEOUT_MS,
  });
  // A run that stopped short is still reported: its rate is what it checkpointed in its time.
  if (run.failure) process.stdout.write(`NOT FINISHED (${mode}): ${run.failure}\n`);
  const msgsPerSecond = run.checkpointed / run.seconds;
  const metrics: Record<string, number> = {
    msgs_per_s: msgsPerSecond,
    steady_msgs_per_s: run.steadyRate,
    completed_fraction: run.checkpointed / MESSAGES,
    counts_exact: -1,
    commit_ms: commitMs,
    wall_s: run.seconds,
    first_checkpoint_s: run.firstCheckpointSeconds,
    container_cpu_s: run.cpuMicros / 1e6,
    container_loop_delay_max_ms: run.probe?.loopDelayMaxMs ?? -1,
    container_loop_delay_p99_ms: run.probe?.loopDelayP99Ms ?? -1,
  };
  let wrong: string | undefined;
  // Counts are checked after the container stopped (a clean stop ends with a last commit).
  if (!run.failure) {
    const check = await checkWordCount(
      kafka,
      admin,
      { counts: `${job}-counts`, changelog: `${job}-counts-changelog` },
      options.expected,
      mode,
    );
    metrics.counts_exact = check.exact ? 1 : 0;
    metrics.output_records = check.outputRecords;
    metrics.output_duplicates = check.duplicates;
    if (mode === 'exactly-once') {
      // Every committed transaction of a task that wrote to its changelog left one marker there.
      metrics.transactions = check.changelogMarkers;
      metrics.transactions_per_task_per_s = check.changelogMarkers / PARTITIONS / Math.max(0.001, run.seconds - run.firstCheckpointSeconds);
      metrics.output_partitions_per_transaction = check.outputMarkers / Math.max(1, check.changelogMarkers);
    }
    if (!check.exact) wrong = check.problems.join('; ');
  }
  return {
    mode,
    msgsPerSecond,
    steadyRate: run.steadyRate,
    cpuUsPerMsg: run.cpuMicros / Math.max(1, run.checkpointed),
    wrong,
    metrics,
  };
}
