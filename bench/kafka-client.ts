/**
 * `npm run bench:kafka-client` (issue #19, goal 5): kafkajs as Sluice uses it, @kafkats/client and
 * @confluentinc/kafka-javascript on the same broker in the same run, on Sluice-shaped workloads
 * (bench/kafka-client/workloads.ts), each client and workload in a child process of its own.
 * The candidates are installed into bench/kafka-client/node_modules on the first run, apart from
 * Sluice's own dependencies. Writes bench/results/kafka-client.json; findings in
 * bench/kafka-client/FINDINGS.md.
 *
 *   npm run bench:kafka-client [-- --rounds 2] [--clients kafkajs,confluent] [--workloads consume,produce] [--scale 0.1]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Admin } from 'kafkajs';
import { createKafka } from '../shared/kafka/client.js';
import { setLogLevel } from '../shared/log.js';
import { STORE_DEFAULTS } from '../shared/config/job-config.js';
import { createTopic, produce, withKafka } from './lib/kafka.js';
import { writeResult, type Goal } from './lib/results.js';
import type { WorkloadName, WorkloadParams, WorkloadResult } from './kafka-client/workloads.js';

const CLIENTS = ['kafkajs', 'kafkats', 'confluent'] as const;
type ClientName = (typeof CLIENTS)[number];
const WORKLOAD_NAMES: readonly WorkloadName[] = [
  'consume',
  'produce',
  'transactional-produce',
  'pipeline-at-least-once',
  'pipeline-exactly-once',
];
const LABEL: Record<ClientName, string> = {
  kafkajs: 'kafkajs 2.2.4 (patched)',
  kafkats: '@kafkats/client 0.12.0',
  confluent: '@confluentinc/kafka-javascript 1.10.1',
};

const PARTITIONS = 8;
/** A client that takes longer than this on one workload is stopped and reported as failed. */
const RUN_TIMEOUT_MS = 200_000;

const repo = resolve(import.meta.dirname, '..');
const clientDir = join(repo, 'bench/kafka-client');

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '1' },
    clients: { type: 'string', default: CLIENTS.join(',') },
    workloads: { type: 'string', default: WORKLOAD_NAMES.join(',') },
    // A fraction of the record counts, for a quick try of the bench itself (results not comparable).
    scale: { type: 'string', default: '1' },
  },
});
const scale = Number(options.scale);

/** Records of the consume workload's input: ~60 MB, a few seconds for the slowest client. */
const CONSUME_RECORDS = Math.round(500_000 * scale);
/** Inputs of the pipelines (each makes an output and a changelog record). */
const PIPELINE_RECORDS = Math.round(200_000 * scale);
/** Records the produce workloads send. */
const PRODUCE_RECORDS = Math.round(400_000 * scale);
const rounds = Math.max(1, Number(options.rounds));
const clients = options.clients.split(',').filter((name): name is ClientName => (CLIENTS as readonly string[]).includes(name));
const workloads = options.workloads.split(',').filter((name): name is WorkloadName => (WORKLOAD_NAMES as readonly string[]).includes(name));

setLogLevel('warn');
const [loadAverage = 0] = loadavg();

/** What building @confluentinc/kafka-javascript against its bundled librdkafka needs from Debian. */
const BUILD_PACKAGES: readonly { readonly debianPackage: string; present(): boolean }[] = [
  { debianPackage: 'build-essential', present: () => commandExists('g++') && commandExists('make') },
  { debianPackage: 'python3', present: () => commandExists('python3') },
  { debianPackage: 'zlib1g-dev', present: () => existsSync('/usr/include/zlib.h') },
  { debianPackage: 'libssl-dev', present: () => existsSync('/usr/include/openssl/ssl.h') },
];

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs the candidates (bench/kafka-client/package-lock.json) when they are missing or the lock
 * changed. @confluentinc/kafka-javascript downloads a prebuilt binary from GitHub, or, where that
 * host is out of reach, builds librdkafka from the sources in its npm package (~2 min on 2 cores):
 * CKJS_LINKING=dynamic links it against Debian's zlib and OpenSSL instead of downloading their
 * sources too, which the offline build could not.
 */
function ensureClients(): void {
  const lock = readFileSync(join(clientDir, 'package-lock.json'));
  const hash = createHash('sha256').update(lock).digest('hex');
  const marker = join(clientDir, 'node_modules/.sluice-installed');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === hash) return;
  const missing = BUILD_PACKAGES.filter((requirement) => !requirement.present()).map((requirement) => requirement.debianPackage);
  if (missing.length > 0) {
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    const command = `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${missing.join(' ')}`;
    if (process.getuid?.() !== 0 || !commandExists('apt-get')) {
      throw new Error(`building @confluentinc/kafka-javascript needs ${missing.join(', ')}; install them with:\n\n  ${command}\n`);
    }
    process.stdout.write(`installing what the librdkafka build needs: ${missing.join(' ')}\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [
      ['update', '-qq'],
      ['install', '-y', '-qq', '--no-install-recommends', ...missing],
    ]) {
      if (spawnSync('apt-get', args, { stdio: 'inherit', env }).status !== 0)
        throw new Error(`apt-get failed; run it yourself: ${command}`);
    }
  }
  process.stdout.write('installing the candidate clients into bench/kafka-client/node_modules (first run: ~2 min, librdkafka builds)…\n');
  const started = performance.now();
  const install = spawnSync('npm', ['ci', '--prefix', clientDir, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
    env: { ...process.env, CKJS_LINKING: 'dynamic' },
  });
  if (install.status !== 0) throw new Error(`npm ci --prefix ${clientDir} failed (exit ${install.status}); its output is above`);
  writeFileSync(marker, hash);
  process.stdout.write(`installed in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}

interface Run extends WorkloadResult {
  readonly peakRssMb: number;
  /** Whether the group coordinator kept the checkpoint metadata the commits carried (undefined: no commits). */
  readonly metadataKept: boolean | undefined;
}

type Outcome = Run | { readonly error: string };

/** One client on one workload in a fresh process; CPU and peak RSS are that process's. */
async function runWorker(client: ClientName, workload: WorkloadName, params: WorkloadParams, dir: string): Promise<Outcome> {
  const resultFile = join(dir, `${client}-${workload}-${params.groupId}.json`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(clientDir, 'worker.ts'), client, workload], {
    cwd: repo,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      BENCH_PARAMS: JSON.stringify(params),
      BENCH_RESULT_FILE: resultFile,
      BENCH_PARTITIONS: String(PARTITIONS),
      SLUICE_LOG_LEVEL: 'warn',
    },
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const code = await new Promise<number | string | null>((resolveExit) =>
    child.once('exit', (exit, signal) => resolveExit(exit ?? signal)),
  );
  clearTimeout(timer);
  const text = await readFile(resultFile, 'utf8').catch(() => undefined);
  if (text === undefined) return { error: `the worker exited (${code}) without a result` };
  return JSON.parse(text) as Outcome;
}

/**
 * The metadata the group coordinator kept for the input's first partition. A transaction's offsets
 * become visible only once its commit markers are written, a moment after the commit returned.
 */
async function committedMetadata(admin: Admin, groupId: string, topic: string, sent: string): Promise<string | null | undefined> {
  let kept: string | null | undefined;
  for (let attempt = 0; attempt < 20 && kept !== sent; attempt++) {
    if (attempt > 0) await new Promise((resolveWait) => setTimeout(resolveWait, 250));
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    kept = committed?.partitions.find((entry) => entry.partition === 0)?.metadata;
  }
  return kept;
}

function describe(outcome: Outcome | undefined): string {
  if (outcome === undefined) return 'not run';
  if ('error' in outcome) return `FAILED: ${outcome.error}`;
  return `${Math.round(outcome.records / outcome.seconds)} rec/s`;
}

await withKafka(async (brokers) => {
  ensureClients();
  const kafka = createKafka({ brokers, clientId: 'bench-kafka-client' });
  const admin = kafka.admin();
  await admin.connect();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-kafka-client-'));
  const outcomes = new Map<string, Outcome[]>();
  try {
    const value = Buffer.alloc(100, 'v');
    const fill = async (topic: string, count: number) => {
      await createTopic(admin, { topic, partitions: PARTITIONS, compacted: false, purpose: 'kafka-client bench input' });
      await produce(kafka, topic, count, (index) => ({ key: `key-${index % 10_000}`, value, partition: index % PARTITIONS }));
    };
    process.stdout.write(`filling the inputs (${CONSUME_RECORDS} + ${PIPELINE_RECORDS} records, 100-byte values)…\n`);
    await fill('bench-kc-consume', CONSUME_RECORDS);
    await fill('bench-kc-pipeline', PIPELINE_RECORDS);
    await createTopic(admin, { topic: 'bench-kc-join', partitions: 1, compacted: false, purpose: 'kafka-client bench group join' });
    await produce(kafka, 'bench-kc-join', 1, () => ({ key: 'join', value: 'join' }));
    let sequence = 0;
    for (let round = 0; round < rounds; round++) {
      for (const workload of workloads) {
        // Each round and workload starts with a different client, so none always runs on a cooler machine.
        const order = clients.map((_, index) => clients[(index + round + workloads.indexOf(workload)) % clients.length] as ClientName);
        for (const client of order) {
          const id = `bench-kc-${++sequence}`;
          const params: WorkloadParams = {
            brokers,
            partitions: PARTITIONS,
            input: workload === 'consume' ? 'bench-kc-consume' : 'bench-kc-pipeline',
            inputRecords: workload === 'consume' ? CONSUME_RECORDS : PIPELINE_RECORDS,
            output: `${id}-out`,
            changelog: `${id}-changelog`,
            joinTopic: 'bench-kc-join',
            groupId: `${id}-group`,
            transactionalId: `${id}-tx`,
            records: workload === 'consume' ? CONSUME_RECORDS : workload.startsWith('pipeline') ? PIPELINE_RECORDS : PRODUCE_RECORDS,
          };
          if (workload !== 'consume') {
            await createTopic(admin, {
              topic: params.output,
              partitions: PARTITIONS,
              compacted: false,
              purpose: 'kafka-client bench output',
            });
            await createTopic(admin, {
              topic: params.changelog,
              partitions: PARTITIONS,
              compacted: true,
              purpose: 'kafka-client bench changelog',
              configs: { 'max.message.bytes': String(STORE_DEFAULTS.maxRecordBytes + 1024) },
            });
          }
          const load = loadavg()[0] ?? 0;
          const outcome = await runWorker(client, workload, params, dir);
          let result: Outcome = outcome;
          if (!('error' in outcome)) {
            const sent = outcome.metadataSent;
            const kept = sent === undefined ? undefined : await committedMetadata(admin, params.groupId, params.input, sent);
            result = { ...outcome, metadataKept: outcome.metadataSent === undefined ? undefined : kept === outcome.metadataSent };
            if (result.metadataKept === false) {
              process.stdout.write(
                `  the group kept ${JSON.stringify(kept)} for the commit metadata ${JSON.stringify(outcome.metadataSent)}\n`,
              );
            }
          }
          process.stdout.write(`  round ${round + 1} ${workload} ${LABEL[client]}: ${describe(result)} (load ${load.toFixed(2)})\n`);
          outcomes.set(`${workload}/${client}`, [...(outcomes.get(`${workload}/${client}`) ?? []), result]);
          if (workload !== 'consume') await admin.deleteTopics({ topics: [params.output, params.changelog] }).catch(() => undefined);
        }
      }
    }
  } finally {
    await admin.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
  await report(outcomes);
});

/** The best run of each (highest throughput): the machine is shared, and a slow run says more about the others on it. */
function best(runs: readonly Outcome[] | undefined): Run | { error: string } | undefined {
  if (!runs || runs.length === 0) return undefined;
  const ok = runs.filter((run): run is Run => !('error' in run));
  if (ok.length === 0) return runs[0];
  return ok.reduce((a, b) => (b.records / b.seconds > a.records / a.seconds ? b : a));
}

async function report(outcomes: Map<string, Outcome[]>): Promise<void> {
  const metrics: Record<string, number> = { load_average_1m_at_start: loadAverage, rounds };
  const goals: Record<string, Goal> = {};
  const rows: string[][] = [
    ['workload', 'client', 'rec/s', 'steady rec/s', 'CPU µs/rec', 'peak RSS MB', '× kafkajs rate', '× kafkajs CPU', 'metadata kept'],
  ];
  for (const workload of workloads) {
    const base = best(outcomes.get(`${workload}/kafkajs`));
    const baseRate = base && !('error' in base) ? base.records / base.seconds : undefined;
    const baseCpu = base && !('error' in base) ? base.cpuMicros / base.records : undefined;
    for (const client of clients) {
      const run = best(outcomes.get(`${workload}/${client}`));
      const key = `${workload.replaceAll('-', '_')}_${client}`;
      if (!run) continue;
      if ('error' in run) {
        rows.push([workload, LABEL[client], `FAILED: ${run.error}`.slice(0, 110), '', '', '', '', '', '']);
        metrics[`${key}_failed`] = 1;
        continue;
      }
      const rate = run.records / run.seconds;
      const cpu = run.cpuMicros / run.records;
      const spread = (outcomes.get(`${workload}/${client}`) ?? [])
        .filter((other): other is Run => !('error' in other))
        .map((other) => other.records / other.seconds);
      metrics[`${key}_records_per_s`] = rate;
      metrics[`${key}_steady_records_per_s`] = run.records / run.steadySeconds;
      metrics[`${key}_cpu_us_per_record`] = cpu;
      metrics[`${key}_peak_rss_mb`] = run.peakRssMb;
      if (spread.length > 1) metrics[`${key}_worst_records_per_s`] = Math.min(...spread);
      const rateRatio = baseRate ? rate / baseRate : undefined;
      const cpuRatio = baseCpu ? cpu / baseCpu : undefined;
      if (client !== 'kafkajs' && rateRatio !== undefined && cpuRatio !== undefined) {
        metrics[`${key}_vs_kafkajs_rate`] = rateRatio;
        metrics[`${key}_vs_kafkajs_cpu`] = cpuRatio;
        // The decision rule of issue #19: ≥ 1.5× on Sluice's workload (the read-process-write loop).
        if (workload.startsWith('pipeline')) goals[`${key}_vs_kafkajs`] = { value: rateRatio, goal: 1.5, better: 'higher' };
      }
      rows.push([
        workload,
        LABEL[client],
        rate.toFixed(0),
        (run.records / run.steadySeconds).toFixed(0),
        cpu.toFixed(2),
        run.peakRssMb.toFixed(0),
        rateRatio === undefined ? '' : rateRatio.toFixed(2),
        cpuRatio === undefined ? '' : cpuRatio.toFixed(2),
        run.metadataKept === undefined ? '' : run.metadataKept ? 'yes' : 'NO',
      ]);
    }
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  process.stdout.write(
    `\n${rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n')}\n\n`,
  );
  await writeResult('kafka-client', metrics, goals);
}
