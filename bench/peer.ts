/**
 * `npm run bench:peer` (issue #19, goal 4): the word count of bench:e2e against its best peers, on
 * one broker, over the same 1M keyed words, each side one process written as its documentation says
 * a user would: Sluice (examples/word-count, one container, at least once), Kafka Streams
 * (bench/peer/kafka-streams: `groupByKey().count()` into RocksDB with a changelog, with its record
 * cache and without, and exactly once v2 as an extra) and @kafkats/flow (bench/peer/kafkats-flow,
 * LMDB store with a changelog). Every side is measured from outside the same way (group offsets,
 * /proc) and its counts are checked. Writes bench/results/peer.json (see bench/README.md).
 *
 *   npm run bench:peer [-- --rounds 2] [--flow-rounds 1] [--flow-seconds 240] [--sides sluice,kstreams,kstreams-nocache,kstreams-eos,flow]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka } from '../shared/kafka/client.js';
import { setLogLevel } from '../shared/log.js';
import type { WatchedRun } from './lib/checkpoint-watch.js';
import { runUntilCheckpointed } from './lib/checkpoint-watch.js';
import { runContainer } from './lib/container-run.js';
import { benchLogDir, createTopic, produce, withKafka } from './lib/kafka.js';
import { writeResult, type Goal } from './lib/results.js';
import { checkWordCount, type CountFormat } from './lib/word-count-check.js';
import { createJobTopics, expectedCounts, MESSAGES, PARTITIONS, wordOf, writeJobConfig } from './lib/word-count-job.js';
import { ensureFlow, ensureKafkaStreams, flowDir } from './peer/install.js';

const SIDES = ['sluice', 'sluice-latest', 'kstreams', 'kstreams-nocache', 'kstreams-eos', 'flow'] as const;
type SideName = (typeof SIDES)[number];

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    // @kafkats/flow takes minutes for the input (2.3k msgs/s measured before), so it runs once by default.
    'flow-rounds': { type: 'string', default: '1' },
    'flow-seconds': { type: 'string', default: '240' },
    sides: { type: 'string', default: SIDES.join(',') },
  },
});
const rounds = Number(options.rounds);
const flowRounds = Number(options['flow-rounds']);
const flowSeconds = Number(options['flow-seconds']);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10) throw new Error(`--rounds: expected 1 to 10, got ${options.rounds}`);
if (!Number.isInteger(flowRounds) || flowRounds < 0 || flowRounds > rounds) {
  throw new Error(`--flow-rounds: expected 0 to --rounds (${rounds}), got ${options['flow-rounds']}`);
}
if (!(flowSeconds >= 10 && flowSeconds <= 3600)) throw new Error(`--flow-seconds: expected 10 to 3600, got ${options['flow-seconds']}`);
const sides = options.sides.split(',').map((name) => {
  if (!(SIDES as readonly string[]).includes(name)) throw new Error(`--sides: expected some of ${SIDES.join(', ')}, got ${name}`);
  return name as SideName;
});

/** Sluice's run: at least once, committing once a second, as bench:e2e runs it (and as the peers are set to). */
const SLUICE_TASK = { guarantee: 'at-least-once', 'commit-ms': 1000 };
/**
 * A side that takes longer is stopped and reported with what it got done (its committed messages
 * over its time, `completed_fraction` < 1, counts not checked). @kafkats/flow awaits two sends per
 * message and does not get through 1M words in a bench's time (hundreds to a few thousand msgs/s):
 * it gets a fixed budget, `--flow-seconds`.
 */
const RUN_TIMEOUT_MS: Record<SideName, number> = {
  sluice: 3 * 60_000,
  'sluice-latest': 3 * 60_000,
  kstreams: 3 * 60_000,
  'kstreams-nocache': 3 * 60_000,
  'kstreams-eos': 3 * 60_000,
  flow: flowSeconds * 1000,
};
/**
 * Metric prefixes: `kstreams` is Kafka Streams as documented (record cache of 10 MB on);
 * `sluice_latest` is Sluice's word count with its counts output sent `latest-per-commit`, the same
 * output as Kafka Streams' record cache (the latest count per word per commit).
 */
const PREFIX: Record<SideName, string> = {
  sluice: 'sluice',
  'sluice-latest': 'sluice_latest',
  kstreams: 'kstreams',
  'kstreams-nocache': 'kstreams_nocache',
  'kstreams-eos': 'kstreams_eos',
  flow: 'flow',
};
/** Sluice's counts sent latest-per-commit: JSON numbers, the latest per word per commit. */
const SLUICE_LATEST_COUNTS: CountFormat = { decode: (value) => JSON.parse(value.toString()) as number, everyCount: false };
/** Kafka Streams writes counts as 8-byte big-endian longs; its record cache forwards only the latest per key. */
const KSTREAMS_COUNTS: CountFormat = { decode: (value) => Number(value.readBigInt64BE()), everyCount: false };
/** @kafkats/flow's count() writes little-endian doubles, every update. */
const FLOW_COUNTS: CountFormat = { decode: (value) => value.readDoubleLE(), everyCount: true };
const repo = resolve(import.meta.dirname, '..');

setLogLevel('warn');
const [loadAverage = 0] = loadavg();

/** One round: every side once; odd rounds in reverse order, so no side always gets the warmer broker. */
function order(round: number): SideName[] {
  const own = sides.filter((side) => side !== 'flow' || round < flowRounds);
  return round % 2 === 0 ? own : own.reverse();
}

interface SideRun {
  readonly side: SideName;
  readonly msgsPerSecond: number;
  readonly cpuUsPerMsg: number;
  readonly peakRssMb: number;
  readonly wrong: string | undefined;
  /** Without the side's prefix. */
  readonly metrics: Record<string, number>;
}

interface RunContext {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly brokers: readonly string[];
  readonly words: string;
  readonly dir: string;
  readonly expected: ReadonlyMap<string, number>;
  readonly classpath: string;
}

await withKafka(async (brokers) => {
  // Installs and builds before the clock of any side starts (first run: a minute or two).
  const classpath = sides.some((side) => side.startsWith('kstreams')) ? ensureKafkaStreams() : '';
  if (sides.includes('flow')) ensureFlow();
  const kafka = createKafka({ brokers, clientId: 'bench-peer' });
  const admin = kafka.admin();
  await admin.connect();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-peer-'));
  const results: SideRun[] = [];
  try {
    const name = `bench-peer-${randomBytes(3).toString('hex')}`;
    const words = `${name}-words`;
    await createTopic(admin, { topic: words, partitions: PARTITIONS, compacted: false, purpose: 'peer bench input' });
    process.stdout.write(`producing ${MESSAGES} words to ${PARTITIONS} partitions…\n`);
    const produceRate = await produce(kafka, words, MESSAGES, (index) => ({ key: wordOf(index), value: wordOf(index) }));
    const context: RunContext = { kafka, admin, brokers, words, dir, expected: expectedCounts(), classpath };
    let sequence = 0;
    for (let round = 0; round < rounds; round++) {
      for (const side of order(round)) {
        const job = `${name}-${side}-${++sequence}`;
        const load = loadavg()[0] ?? 0;
        process.stdout.write(`round ${round + 1}: ${side} (${job}), load ${load.toFixed(2)}…\n`);
        const result = await runSide(side, job, context);
        process.stdout.write(
          `  ${Math.round(result.msgsPerSecond)} msgs/s, ${result.cpuUsPerMsg.toFixed(1)} CPU-µs/msg, ` +
            `peak RSS ${result.peakRssMb.toFixed(0)} MB, ${result.metrics.output_records ?? '?'} outputs\n`,
        );
        results.push(result);
      }
    }
    await report(results, produceRate);
  } finally {
    await admin.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
  // Wrong counts are a broken job, not a missed goal: the bench fails (after recording).
  const wrong = results.filter((result) => result.wrong !== undefined).map((result) => `${result.side}: ${result.wrong}`);
  if (wrong.length > 0) throw new Error(`wrong counts: ${wrong.join(' | ')}`);
});

/** Runs one side as job `job` (its own topics, group and state), then checks its counts. */
async function runSide(side: SideName, job: string, context: RunContext): Promise<SideRun> {
  const { admin, words } = context;
  const jobDir = join(context.dir, job);
  await mkdir(jobDir, { recursive: true });
  const logFile = join(benchLogDir, `${job}.log`);
  const counts = `${job}-counts`;
  let run: WatchedRun;
  let changelog: () => Promise<string>;
  let format: CountFormat | undefined;
  if (side === 'sluice' || side === 'sluice-latest') {
    await createJobTopics(admin, job);
    const send = side === 'sluice-latest' ? 'latest-per-commit' : 'every';
    const configFile = await writeJobConfig({ job, words, jobDir, task: SLUICE_TASK, send });
    run = await runContainer(admin, {
      configFile,
      brokers: context.brokers,
      input: words,
      group: `sluice-${job}`,
      logFile,
      timeoutMs: RUN_TIMEOUT_MS[side],
    });
    changelog = () => Promise.resolve(`${job}-counts-changelog`);
    if (side === 'sluice-latest') format = SLUICE_LATEST_COUNTS;
  } else {
    // The peers create their changelogs themselves (named after the application id and the store).
    await createTopic(admin, { topic: counts, partitions: PARTITIONS, compacted: false, purpose: 'peer bench output' });
    const args = [context.brokers.join(','), job, words, counts, join(jobDir, 'state')];
    const start =
      side === 'flow'
        ? () =>
            spawn(process.execPath, ['--import', 'tsx', join(flowDir, 'word-count.ts'), ...args, 'at_least_once'], {
              cwd: repo,
              stdio: ['ignore', 'pipe', 'pipe'],
            })
        : () =>
            spawn(
              'java',
              [
                '-Xmx1g',
                '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
                ...['-cp', context.classpath, 'sluice.bench.WordCount'],
                ...args,
                // statestore.cache.max.bytes: its default, 10 MB, or none (every update forwarded).
                String(side === 'kstreams-nocache' ? 0 : 10 * 1024 * 1024),
                side === 'kstreams-eos' ? 'exactly_once_v2' : 'at_least_once',
              ],
              { stdio: ['ignore', 'pipe', 'pipe'] },
            );
    run = await runUntilCheckpointed(admin, { start, input: words, group: job, logFile, timeoutMs: RUN_TIMEOUT_MS[side] });
    changelog = () => changelogOf(admin, job);
    format = side === 'flow' ? FLOW_COUNTS : KSTREAMS_COUNTS;
  }
  if (run.failure) process.stdout.write(`  NOT FINISHED: ${run.failure}\n`);
  const msgsPerSecond = run.checkpointed / run.seconds;
  // A process that died was not there to read at the end: its CPU at the last poll stands in.
  const cpuUsPerMsg = (run.cpuMicros ?? run.sampledCpuMicros) / Math.max(1, run.checkpointed);
  const peakRssMb = run.peakRssBytes / 2 ** 20;
  const metrics: Record<string, number> = {
    msgs_per_s: msgsPerSecond,
    steady_msgs_per_s: run.steadyRate,
    cpu_us_per_msg: cpuUsPerMsg,
    peak_rss_mb: peakRssMb,
    completed_fraction: run.checkpointed / MESSAGES,
    wall_s: run.seconds,
    first_checkpoint_s: run.firstCheckpointSeconds,
    counts_exact: -1,
  };
  let wrong: string | undefined;
  // Counts are checked after the process stopped (a clean stop ends with a last commit).
  if (!run.failure) {
    const guarantee = side === 'kstreams-eos' ? 'exactly-once' : 'at-least-once';
    const topics = { counts, changelog: await changelog() };
    const check = await checkWordCount(context.kafka, admin, topics, context.expected, guarantee, format);
    metrics.counts_exact = check.exact ? 1 : 0;
    metrics.output_records = check.outputRecords;
    metrics.changelog_records = check.changelogRecords;
    metrics.output_duplicates = check.duplicates;
    if (!check.exact) wrong = check.problems.join('; ');
  }
  return { side, msgsPerSecond, cpuUsPerMsg, peakRssMb, wrong, metrics };
}

/** The one changelog a peer created for its count store: `<application id>-<store name>-changelog`. */
async function changelogOf(admin: Admin, job: string): Promise<string> {
  const found = (await admin.listTopics()).filter((topic) => topic.startsWith(`${job}-`) && topic.endsWith('-changelog'));
  if (found.length !== 1) throw new Error(`expected one changelog topic of ${job}, found ${JSON.stringify(found)}`);
  return found[0] as string;
}

async function report(results: readonly SideRun[], produceRate: number): Promise<void> {
  const metrics: Record<string, number> = {
    rounds,
    flow_rounds: flowRounds,
    flow_seconds: flowSeconds,
    input_produce_msgs_per_s: produceRate,
    load_average_1m_at_start: loadAverage,
  };
  const best = new Map<SideName, SideRun>();
  for (const side of sides) {
    const own = results.filter((result) => result.side === side);
    if (own.length === 0) continue;
    // The best run: what the side does when the machine's other work disturbs it least.
    const top = own.reduce((a, b) => (b.msgsPerSecond > a.msgsPerSecond ? b : a));
    best.set(side, top);
    for (const [metric, value] of Object.entries(top.metrics)) metrics[`${PREFIX[side]}_${metric}`] = value;
    metrics[`${PREFIX[side]}_worst_msgs_per_s`] = Math.min(...own.map((result) => result.msgsPerSecond));
    metrics[`${PREFIX[side]}_worst_cpu_us_per_msg`] = Math.max(...own.map((result) => result.cpuUsPerMsg));
  }
  const goals: Record<string, Goal> = {};
  const sluice = best.get('sluice');
  // Sluice ÷ peer, each pair with the same output (throughput higher is better, CPU per message lower):
  // Kafka Streams with its record cache against Sluice sending the latest count per commit, and
  // without it against Sluice sending every count.
  const compare = (name: string, own: SideRun | undefined, peer: SideRun | undefined, throughputGoal: number, cpuGoal: number) => {
    if (!own || !peer) return;
    goals[`${name}_throughput_ratio`] = { value: own.msgsPerSecond / peer.msgsPerSecond, goal: throughputGoal, better: 'higher' };
    goals[`${name}_cpu_ratio`] = { value: own.cpuUsPerMsg / peer.cpuUsPerMsg, goal: cpuGoal, better: 'lower' };
  };
  compare('kstreams', best.get('sluice-latest'), best.get('kstreams'), 1.0, 1.0);
  compare('kstreams_nocache', sluice, best.get('kstreams-nocache'), 1.0, 1.0);
  compare('peer', sluice, best.get('flow'), 1.5, 0.67);
  const eos = best.get('kstreams-eos');
  if (sluice && eos) {
    metrics.kstreams_eos_throughput_ratio = sluice.msgsPerSecond / eos.msgsPerSecond;
    metrics.kstreams_eos_cpu_ratio = sluice.cpuUsPerMsg / eos.cpuUsPerMsg;
  }
  await writeResult('peer', metrics, goals);
}
