/**
 * Helpers for container tests on the real Kafka: a word-count job config in a temp dir, container
 * processes started through the `sluice` CLI, a seeded word producer with its exact model, and
 * readers for what the job left in Kafka.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import { decodeCheckpoint } from '../../../executor/checkpoint/codec/checkpoint-codec.js';
import { MemoryEngine } from '../../../executor/store/engines/memory-engine.js';
import { restoreStores } from '../../../executor/store/restore.js';
import { KafkaChangelogSource } from '../../../executor/systems/kafka/kafka-changelog.js';
import type { ContainerRegistry } from '../../../shared/coordination/container-registry.js';
import type { ContainerStatusReport } from '../../../shared/config/executor-contract.js';
import type { Guarantee } from '../../../shared/config/job-config.js';
import { listTasks, type JobModel } from '../../../shared/model/job-model.js';
import { readPartitions } from '../../../shared/kafka/partition-reader.js';
import { whileTopicIsNew } from '../../../shared/kafka/topics.js';
import { kafkaBrokers, testLogDir, uniqueName } from '../../infra/services.js';

export const repo = resolve(import.meta.dirname, '../../..');

export interface WordCountJob {
  readonly name: string;
  readonly configFile: string;
  readonly words: string;
  readonly counts: string;
  readonly changelog: string;
  readonly group: string;
  /** With `traced`: the topic of per-message processing records (fixtures/traced-word-count.ts). */
  readonly trace: string;
}

/**
 * The word-count example on `partitions` input partitions; `traced` adds a processing record per
 * message; `changelogTopic` is the counts store's changelog-topic section (replication).
 */
export async function wordCountJob(
  partitions: number,
  commitMs = 300,
  options: {
    traced?: boolean;
    containers?: number;
    guarantee?: Guarantee;
    changelogTopic?: { 'replication-factor'?: number; 'min-insync-replicas'?: number };
    /** More of the config's kafka section (tls, sasl). */
    kafka?: Record<string, unknown>;
    /** The config's zookeeper section (credentials). */
    zookeeper?: { auth: { username: string; 'password-file': string } };
    /** task.standbys: warm copies of each task's store on other containers. */
    standbys?: number;
  } = {},
): Promise<WordCountJob> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-wc-'));
  const name = uniqueName('wc');
  const words = `${name}-words`;
  const counts = `${name}-counts`;
  const trace = `${name}-trace`;
  const module = options.traced
    ? join(repo, 'test/integration/container/fixtures/traced-word-count.ts')
    : join(repo, 'examples/word-count/word-count.ts');
  const config = {
    job: { name, module },
    kafka: { 'session-timeout-ms': 6000, ...options.kafka },
    inputs: [{ topic: words }],
    outputs: [{ topic: counts, 'value-serde': 'json', partitions }, ...(options.traced ? [{ topic: trace, partitions: 1 }] : [])],
    stores: {
      counts: {
        engine: 'rocksdb',
        'value-serde': 'json',
        ...(options.changelogTopic ? { 'changelog-topic': options.changelogTopic } : {}),
      },
    },
    task: {
      'commit-ms': commitMs,
      ...(options.guarantee ? { guarantee: options.guarantee } : {}),
      ...(options.standbys === undefined ? {} : { standbys: options.standbys }),
    },
    containers: options.containers ?? 2,
    'state-dir': join(dir, 'state'),
    ...(options.zookeeper ? { zookeeper: options.zookeeper } : {}),
    config: { words, counts, trace },
  };
  const configFile = join(dir, 'job.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  return { name, configFile, words, counts, changelog: `${name}-counts-changelog`, group: `sluice-${name}`, trace };
}

const children = new Set<ChildProcess>();

/** SIGKILLs every container process a test started and has not seen exit (for `t.after`). */
export function killContainers(): void {
  for (const child of children) child.kill('SIGKILL');
}

/**
 * A container process: `sluice run <config> --kafka … --container <id>`, following the job model
 * in ZooKeeper when `zookeeper` is given (as the Mesos executor does). `brokers`: another cluster
 * than the run's Kafka.
 */
export function startContainer(
  job: WordCountJob,
  id: string,
  options: { zookeeper?: string; stateDir?: string; brokers?: readonly string[] } = {},
): ChildProcess {
  const log = createWriteStream(containerLog(job, id), { flags: 'a' });
  const follow = [
    ...(options.zookeeper === undefined ? [] : ['--zookeeper', options.zookeeper]),
    ...(options.stateDir === undefined ? [] : ['--state-dir', options.stateDir]),
  ];
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repo, 'bin/sluice.ts'),
      'run',
      job.configFile,
      '--kafka',
      (options.brokers ?? kafkaBrokers()).join(','),
      '--container',
      id,
      ...follow,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLUICE_LOG_LEVEL: 'info' } },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Where a container process's output goes (JSON log lines). */
export function containerLog(job: WordCountJob, id: string): string {
  return join(testLogDir(), `${job.name}-container-${id}.log`);
}

export function exitOf(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? (child.signalCode as string));
  return new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? (signal as string))));
}

/**
 * Produces `count` words keyed by themselves (a skewed vocabulary of 2,000) in batches of 5,000,
 * `pauseMs` apart (to keep a job busy for a while), and returns the exact counts. `stop` ends it
 * early (checked between batches).
 */
export function produceWords(
  kafka: Kafka,
  topic: string,
  count: number,
  seed = 1,
  pauseMs = 0,
  stop: () => boolean = () => false,
): Promise<Map<string, number>> {
  return produce(kafka, topic, count, seed, pauseMs, async () => stop());
}

/**
 * Produces words as produceWords does, with no set count: until `stop` says so (checked between
 * batches), so a test's input keeps arriving for as long as its scenario needs, however slow the
 * machine. It waits before a batch while the job is `backlog` or more messages behind (input past
 * its checkpoints), so a slow job is not buried either. Returns the exact counts.
 */
export function produceWordsUntil(
  kafka: Kafka,
  admin: Admin,
  job: WordCountJob,
  stop: () => boolean,
  options: { seed?: number; pauseMs?: number; backlog?: number } = {},
): Promise<Map<string, number>> {
  const backlog = options.backlog ?? 40_000;
  return produce(kafka, job.words, Number.POSITIVE_INFINITY, options.seed ?? 1, options.pauseMs ?? 0, async () => {
    while (!stop() && (await unprocessed(admin, job)) >= backlog) await sleep(100);
    return stop();
  });
}

async function produce(
  kafka: Kafka,
  topic: string,
  count: number,
  seed: number,
  pauseMs: number,
  stop: () => Promise<boolean>,
): Promise<Map<string, number>> {
  const model = new Map<string, number>();
  // Idempotent: a send retried after a broker failure (the multi-broker test) must not write a batch
  // twice, or the input would hold words the model does not count.
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  try {
    for (let sent = 0; sent < count && !(await stop()); sent += 5000) {
      const messages = Array.from({ length: Math.min(5000, count - sent) }, () => {
        const word = `w${Math.floor(random() ** 2 * 2000)}`;
        model.set(word, (model.get(word) ?? 0) + 1);
        return { key: word, value: word };
      });
      await producer.send({ topic, messages, acks: -1 });
      if (pauseMs > 0) await sleep(pauseMs);
    }
  } finally {
    await producer.disconnect();
  }
  return model;
}

/** The job's checkpoint (group commit: the next offset to process; -1 for none yet) of every input partition. */
export async function committedOffsets(admin: Admin, job: WordCountJob): Promise<Map<number, number>> {
  return (await inputProgress(admin, job)).committed;
}

/** Input messages past the job's checkpoints, over all partitions. */
async function unprocessed(admin: Admin, job: WordCountJob): Promise<number> {
  const { committed, highs } = await inputProgress(admin, job);
  return [...highs].reduce((sum, [partition, high]) => sum + Math.max(0, high - Math.max(0, committed.get(partition) ?? -1)), 0);
}

/** Per input partition: the job's checkpoint (-1 for none yet) and the end of the partition. */
async function inputProgress(admin: Admin, job: WordCountJob): Promise<{ committed: Map<number, number>; highs: Map<number, number> }> {
  const highs = new Map(
    (await whileTopicIsNew(() => admin.fetchTopicOffsets(job.words))).map(({ partition, high }) => [partition, Number(high)]),
  );
  const [group] = await whileTopicIsNew(() => admin.fetchOffsets({ groupId: job.group, topics: [job.words] }));
  const offsets = new Map((group?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
  return { committed: new Map([...highs.keys()].map((partition) => [partition, offsets.get(partition) ?? -1])), highs };
}

/**
 * Waits (bounded) until the checkpoint of every input partition satisfies `holds`; `what` names
 * the condition in the timeout's error.
 */
export async function waitForCheckpoints(
  admin: Admin,
  job: WordCountJob,
  holds: (offset: number, partition: number) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<Map<number, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const committed = await committedOffsets(admin, job);
    if ([...committed].every(([partition, offset]) => holds(offset, partition))) return committed;
    if (Date.now() > deadline)
      throw new Error(`checkpoints of ${job.words} not ${what} in ${timeoutMs / 1000} s: ${JSON.stringify([...committed])}`);
    await sleep(100);
  }
}

/** Every record of a topic, per key in offset order: [values…]. */
export async function readTopic(kafka: Kafka, admin: Admin, topic: string): Promise<Map<string, (string | null)[]>> {
  const byKey = new Map<string, (string | null)[]>();
  const offsets = await admin.fetchTopicOffsets(topic);
  const requests = offsets.map(({ partition, low, high }) => ({ topic, partition, from: Number(low), to: Number(high) - 1 }));
  await readPartitions(kafka, requests, async (_request, records) => {
    for (const record of records) {
      const key = record.key.toString();
      const list = byKey.get(key) ?? [];
      list.push(record.value === null ? null : record.value.toString());
      byKey.set(key, list);
    }
  });
  return byKey;
}

/** Waits until the job's checkpoints (group commits) reach the end of every input partition. */
export async function waitForCheckpointsAtEnd(admin: Admin, job: WordCountJob, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const highs = new Map((await admin.fetchTopicOffsets(job.words)).map(({ partition, high }) => [partition, high]));
  for (;;) {
    const [committed] = await admin.fetchOffsets({ groupId: job.group, topics: [job.words] });
    const behind = committed?.partitions.filter(({ partition, offset }) => offset !== highs.get(partition)) ?? [];
    if (committed && behind.length === 0) return;
    if (Date.now() > deadline) throw new Error(`checkpoints did not reach the end of ${job.words}: ${JSON.stringify(behind)}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
}

/** Waits until the group's committed offsets over all partitions grew by `messages`. */
export async function waitForProgress(admin: Admin, group: string, topic: string, messages: number): Promise<void> {
  const total = async () => {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return (committed?.partitions ?? []).reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
  };
  const start = await total();
  const deadline = Date.now() + 120_000;
  while ((await total()) < start + messages) {
    if (Date.now() > deadline) throw new Error(`the job made no progress of ${messages} messages in 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The emitted counts of one word must be runs of consecutive counts, each run starting at most one
 * past where the previous one ended: a rerun after a crash repeats counts (messages after the last
 * checkpoint are processed again, against state rolled back to that checkpoint) but never skips
 * one (a lost update) or goes past the true count (an update applied twice).
 */
export function checkRuns(word: string, emitted: readonly number[], total: number): number {
  let duplicates = 0;
  let high = 0;
  emitted.forEach((count, index) => {
    const previous = emitted[index - 1] ?? 0;
    if (count !== previous + 1) {
      assert.ok(count <= previous, `${word}: count ${count} after ${previous} skips a count`);
      assert.ok(count >= 1, `${word}: count ${count}`);
    }
    if (count <= high) duplicates++;
    high = Math.max(high, count);
  });
  assert.equal(high, total, `${word}: highest emitted count`);
  assert.equal(emitted.at(-1), total, `${word}: last emitted count`);
  return duplicates;
}

/**
 * How a word-count test ends: a restore from the final checkpoints (by the product's own restore
 * code) holds every word's true count and no other word, every word's highest emitted count is its
 * true count, and exactly once a read_committed reader sees each count once. `context` goes into
 * every failure message.
 */
export async function assertExactCounts(
  kafka: Kafka,
  admin: Admin,
  job: WordCountJob,
  model: JobModel,
  expected: ReadonlyMap<string, number>,
  guarantee: Guarantee | undefined,
  context = '',
): Promise<void> {
  const why = context ? ` (${context})` : '';
  const restored = await restoredCounts(kafka, admin, job, model);
  const wrong = [...expected].filter(([word, count]) => restored.get(word) !== count);
  assert.deepEqual(
    wrong.slice(0, 10).map(([word, count]) => [word, count, restored.get(word)]),
    [],
    `restored counts of ${wrong.length} of ${expected.size} words differ from the truth [word, true, restored]${why}`,
  );
  assert.equal(restored.size, expected.size, `no word is restored that was never produced${why}`);
  const emitted = await readTopic(kafka, admin, job.counts);
  for (const [word, count] of expected) {
    const highest = Math.max(...(emitted.get(word) ?? []).map(Number));
    assert.equal(highest, count, `the highest emitted count of ${word} is its true count${why}`);
  }
  if (guarantee === 'exactly-once') {
    const duplicates = exactEmissions(expected, emitted);
    assert.deepEqual(duplicates.slice(0, 5), [], `${duplicates.length} words have duplicate or missing committed emissions${why}`);
  }
}

/**
 * Exactly once, a read_committed reader sees each word's counts once each, in order: 1, 2, … up to
 * its true count. Returns the emissions that break this (a repeat, a skip, a count past the truth).
 */
export function exactEmissions(expected: ReadonlyMap<string, number>, emitted: ReadonlyMap<string, readonly (string | null)[]>): string[] {
  const wrong: string[] = [];
  for (const [word, count] of expected) {
    const counts = (emitted.get(word) ?? []).map(Number);
    const at = counts.findIndex((value, index) => value !== index + 1);
    if (at >= 0 || counts.length !== count)
      wrong.push(
        `${word}: ${counts.length} emissions, first wrong at ${at} (${counts.slice(Math.max(0, at - 2), at + 2).join(',')}), true count ${count}`,
      );
  }
  for (const word of emitted.keys()) if (!expected.has(word)) wrong.push(`${word}: emitted, never produced`);
  return wrong;
}

/** Waits until `ids` run job model `version` (as they report in their registration) and no other live container runs any model. */
export async function waitForModel(registry: ContainerRegistry, ids: readonly string[], version: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const live = await registry.list();
    const done =
      ids.every((id) => live.some((container) => container.id === id && container.modelVersion === version)) &&
      live.every((container) => ids.includes(container.id) || container.modelVersion === null);
    if (done) return;
    if (Date.now() > deadline) throw new Error(`containers did not all reach job model ${version}: ${JSON.stringify(live)}`);
    await sleep(50);
  }
}

/** Every word's count as a new owner of every task would restore it from the final checkpoints (nothing is written: trim goes nowhere). */
export async function restoredCounts(kafka: Kafka, admin: Admin, job: WordCountJob, model: JobModel): Promise<Map<string, number>> {
  const [committed] = await admin.fetchOffsets({ groupId: job.group, topics: [job.words] });
  const metadata = new Map((committed?.partitions ?? []).map(({ partition, metadata }) => [partition, metadata]));
  const targets = listTasks(model).map((task) => {
    const text = metadata.get(task.ssps[0]?.partition ?? -1);
    assert.ok(text, `task ${task.name} has a checkpoint`);
    const checkpoint = decodeCheckpoint(text, task.name, 'the test');
    const changelog = { topic: job.changelog, partition: task.changelogPartition };
    return {
      context: { job: job.name, store: 'counts', task: task.name },
      changelog,
      sink: { target: changelog, send: () => undefined, flush: async () => undefined },
      storeDir: undefined,
      createEngine: () => new MemoryEngine(),
      checkpoint: checkpoint.changelogs.counts,
      epoch: 0n,
    };
  });
  const results = await restoreStores(targets, new KafkaChangelogSource(kafka, admin), { deleteRetentionMs: 86_400_000 });
  const counts = new Map<string, number>();
  for (const { engine } of results) {
    const iterator = engine.iterate({});
    for (let chunk = await iterator.nextChunk(); chunk.length > 0; chunk = await iterator.nextChunk()) {
      for (const { key, value } of chunk) counts.set(key.toString(), Number(JSON.parse(value.toString())));
    }
    await iterator.close();
  }
  return counts;
}

/** Waits (bounded) until container `id`'s status report (its registered status endpoint) satisfies `holds`. */
export async function waitForReport(
  registry: ContainerRegistry,
  id: string,
  what: string,
  holds: (report: ContainerStatusReport) => boolean,
  timeoutMs = 120_000,
): Promise<ContainerStatusReport> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const url = (await registry.list()).find((container) => container.id === id)?.url;
      if (url) {
        const report = (await (await fetch(`${url}/status`)).json()) as ContainerStatusReport;
        if (holds(report)) return report;
        last = report;
      }
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`container ${id} did not report ${what} in ${timeoutMs / 1000} s: ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

/** Waits until container `id` has processed messages on each of `tasks` (counts of the task instances it runs now). */
export function waitForProcessing(registry: ContainerRegistry, id: string, tasks: readonly string[]): Promise<ContainerStatusReport> {
  return waitForReport(registry, id, `processing on each of ${tasks.join(', ')}`, (report) =>
    tasks.every((name) => (report.tasks.find((task) => task.name === name)?.processed ?? 0) > 0),
  );
}

/**
 * The end of a run that kept its containers up: once the checkpoints reached the end of the input,
 * stops them with SIGTERM (each must exit 0, so each made its final commit), checks that every
 * word's stored count (the changelog's last value) is its true count, and returns the emissions with
 * the number of repeated ones (checkRuns: 0 when nothing was processed twice).
 */
export async function stopAndCheckCounts(
  kafka: Kafka,
  admin: Admin,
  job: WordCountJob,
  children: readonly ChildProcess[],
  counts: ReadonlyMap<string, number>,
  timeoutMs = 300_000,
): Promise<{ duplicates: number; emitted: Map<string, (string | null)[]> }> {
  await waitForCheckpointsAtEnd(admin, job, timeoutMs);
  for (const child of children) child.kill('SIGTERM');
  assert.deepEqual(
    await Promise.all(children.map(exitOf)),
    children.map(() => 0),
    'every container exits cleanly',
  );
  const emitted = await readTopic(kafka, admin, job.counts);
  const changelog = await readTopic(kafka, admin, job.changelog);
  let duplicates = 0;
  for (const [word, count] of counts) {
    duplicates += checkRuns(word, (emitted.get(word) ?? []).map(Number), count);
    assert.equal(Number(changelog.get(word)?.at(-1)), count, `stored count of ${word}`);
  }
  return { duplicates, emitted };
}

/** The 'restore planned' lines of a container process's log, in order: each store's plan of each task. */
export async function restoresPlanned(file: string): Promise<{ task: string; reuseLocal: boolean; replay: number; reason: string }[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line.includes('"restore planned"'))
    .map((line) => JSON.parse(line) as { task: string; reuseLocal: boolean; replay: number; reason: string });
}

/** A processed count at a time: a task's, or a container's. */
export interface ProgressSample {
  readonly at: number;
  readonly processed: number;
}

/** The longest time in [from, to] between two moments at which something moved (the window's ends count as such moments). */
export function longestGap(moved: readonly number[], from: number, to: number): number {
  const times = [from, ...moved.filter((at) => at > from && at < to).sort((a, b) => a - b), to];
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, (times[i] as number) - (times[i - 1] as number));
  return longest;
}

/** The longest time between two samples with no progress in between (the last stretch included). */
export function longestPause(samples: readonly ProgressSample[]): number {
  const moved = samples
    .filter((sample, i) => i > 0 && sample.processed > (samples[i - 1] as ProgressSample).processed)
    .map((sample) => sample.at);
  return longestGap(moved, samples[0]?.at ?? 0, samples.at(-1)?.at ?? 0);
}

/**
 * Samples the processed count of every task the containers `ids` run, every `everyMs`, until
 * stop(): by "container/task". A task instance's count starts at 0, so a count that goes down
 * means the task was started again.
 */
export function sampleTasks(
  registry: ContainerRegistry,
  ids: readonly string[],
  everyMs = 100,
): { stop(): Promise<Map<string, ProgressSample[]>> } {
  const samples = new Map<string, ProgressSample[]>();
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      const urls = new Map((await registry.list()).map((container) => [container.id, container.url]));
      await Promise.all(
        ids.map(async (id) => {
          const url = urls.get(id);
          if (!url) return;
          const report = (await (await fetch(`${url}/status`)).json().catch(() => undefined)) as ContainerStatusReport | undefined;
          for (const task of report?.tasks ?? []) {
            const key = `${id}/${task.name}`;
            const list = samples.get(key) ?? [];
            list.push({ at: report?.at ?? Date.now(), processed: task.processed });
            samples.set(key, list);
          }
        }),
      ).catch(() => undefined);
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      sampling = false;
      await loop;
      return samples;
    },
  };
}

/**
 * Sends `batch(n)` (the n-th batch, n = 0, 1, …) and waits `everyMs`, over and over until stopped,
 * with an idempotent producer (a send retried after a broker failure writes nothing twice).
 */
export function sendUntilStopped(
  kafka: Kafka,
  topic: string,
  everyMs: number,
  batch: (n: number) => { partition: number; key?: string; value: string }[],
): { stop(): Promise<void> } {
  let running = true;
  const done = (async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let n = 0; running; n++) {
        await producer.send({ topic, acks: -1, messages: batch(n) });
        await sleep(everyMs);
      }
    } finally {
      await producer.disconnect();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}
