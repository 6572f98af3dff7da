/**
 * A two-stage job on real Kafka, both stages exactly once (issue #15): stage 1 (fixtures/split-lines.ts)
 * splits lines into words and re-sends each keyed by itself to an intermediate topic; stage 2, the
 * word-count example, counts them in a RocksDB store with a changelog and emits word → count. Each
 * stage runs in 2 container processes. While a fixed number of lines arrives in paced batches,
 * containers of both stages are SIGKILLed in turn and restarted. Exactly once, nothing the killed
 * containers did past their last commit may be seen: a read_committed reader of the intermediate topic
 * finds every word occurrence exactly once, stage 2's state restores to the true counts, and its output
 * holds each word's counts once each, in order. (At least once, a private chaos run of this scenario
 * found 570 duplicate words in the intermediate topic.)
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import { jobModelFor } from '../../../executor/job/job-binding.js';
import { loadJobConfig } from '../../../shared/config/job-config.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { readPartitions } from '../../../shared/kafka/partition-reader.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { kafkaBrokers, uniqueName } from '../../infra/services.js';
import {
  committedOffsets,
  exactEmissions,
  exitOf,
  killContainers,
  readTopic,
  repo,
  restoredCounts,
  startContainer,
  waitForCheckpoints,
  waitForCheckpointsAtEnd,
  waitForProgress,
  wordCountJob,
  type WordCountJob,
} from './harness.js';

setLogLevel('warn');

/** Partitions of the lines topic and of the intermediate words topic (tasks per stage). */
const PARTITIONS = 4;
const LINES = 30_000;
const BATCH = 500;
const BATCHES = LINES / BATCH;
const PAUSE_MS = 400;
const KILLS = 6;
/**
 * When a kill lands after a batch was sent, in ms: while the stage works on it (stage 2 after stage 1
 * has committed its words).
 */
const KILL_DELAY_MS: Readonly<Record<string, { min: number; max: number }>> = {
  split: { min: 0, max: 150 },
  count: { min: 100, max: 800 },
};
/** The producer waits before a batch while stage 1 is this many lines behind, or stage 2 this many words. */
const MAX_LINES_BEHIND = 4 * BATCH;
const MAX_WORDS_BEHIND = 40_000;
/** How long the producer waits at most for a stage to catch up before one batch. */
const STALL_MS = 180_000;

interface Stage {
  readonly label: string;
  /** The job as the harness sees it: `words` is the stage's input topic, `group` its checkpoints. */
  readonly job: WordCountJob;
  readonly containers: ChildProcess[];
}

/** Stage 1: the split job reading `lines` and sending to `words` (the input of stage 2). */
async function splitJob(lines: string, words: string): Promise<WordCountJob> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-split-'));
  const name = uniqueName('split');
  const config = {
    job: { name, module: join(repo, 'test/integration/container/fixtures/split-lines.ts') },
    kafka: { 'session-timeout-ms': 6000 },
    inputs: [{ topic: lines }],
    outputs: [{ topic: words, partitions: PARTITIONS }],
    task: { guarantee: 'exactly-once' },
    containers: 2,
    'state-dir': join(dir, 'state'),
    config: { words },
  };
  const configFile = join(dir, 'job.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  // It has no store, no changelog and no trace; `counts` is where its output goes.
  return { name, configFile, words: lines, counts: words, changelog: '', group: `sluice-${name}`, trace: '' };
}

/** Input messages past a stage's checkpoints, over all partitions (markers of a transactional input count too: an estimate). */
async function behind(admin: Admin, job: WordCountJob): Promise<number> {
  const committed = await committedOffsets(admin, job);
  const highs = await admin.fetchTopicOffsets(job.words);
  return highs.reduce((sum, { partition, high }) => sum + Math.max(0, Number(high) - Math.max(0, committed.get(partition) ?? -1)), 0);
}

/** The n-th word of the vocabulary: letters only (the split keeps runs of letters and apostrophes), some with an apostrophe. */
function vocabularyWord(n: number): string {
  let letters = '';
  let rest = n;
  do {
    letters = String.fromCharCode(97 + (rest % 26)) + letters;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return n % 37 === 0 ? `w${letters}'s` : `w${letters}`;
}

const SEPARATORS = [' ', ', ', '. ', ' - ', '  ', '; ', '! '];

/**
 * Produces LINES lines (3–9 words from a skewed vocabulary of 1,500, mixed case, with punctuation)
 * keyed by their number, in batches of BATCH lines PAUSE_MS apart, waiting before a batch while a
 * stage is far behind. Calls `sent` with the number of batches sent after each one. Returns the
 * true count of every (lower-case) word.
 */
async function produceLines(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  stages: readonly Stage[],
  sent: (batches: number) => void,
  aborted: () => boolean,
): Promise<Map<string, number>> {
  const truth = new Map<string, number>();
  let state = 7;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let batch = 0; batch < BATCHES; batch++) {
      const deadline = Date.now() + STALL_MS;
      for (;;) {
        const [lines, words] = await Promise.all(stages.map((stage) => behind(admin, stage.job)));
        if ((lines as number) < MAX_LINES_BEHIND && (words as number) < MAX_WORDS_BEHIND) break;
        if (aborted()) throw new Error('production aborted');
        if (Date.now() > deadline)
          throw new Error(`before batch ${batch}: the stages stayed ${lines} lines and ${words} words behind for ${STALL_MS / 1000} s`);
        await sleep(200);
      }
      if (aborted()) throw new Error('production aborted');
      const messages = Array.from({ length: BATCH }, (_, index) => {
        const length = 3 + Math.floor(random() * 7);
        let line = '';
        for (let at = 0; at < length; at++) {
          const word = vocabularyWord(Math.floor(random() ** 2 * 1500));
          truth.set(word, (truth.get(word) ?? 0) + 1);
          const written = random() < 0.2 ? word.toUpperCase() : at === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word;
          line += (at === 0 ? '' : SEPARATORS[Math.floor(random() * SEPARATORS.length)]) + written;
        }
        return { key: `line-${batch * BATCH + index}`, value: `${line}.` };
      });
      await producer.send({ topic, messages, acks: -1 });
      sent(batch + 1);
      await sleep(PAUSE_MS);
    }
  } finally {
    await producer.disconnect();
  }
  return truth;
}

/** Where a word record of the intermediate topic is, and which process sent it. */
interface Copy {
  readonly partition: number;
  readonly offset: number;
  readonly pid: string;
}

/**
 * What a read_committed reader finds in the words topic: every word's occurrences, per partition the
 * offset of its last record, and every occurrence ("<line partition> <line offset> <index in line>")
 * found more than once, with its copies.
 */
async function readWords(
  kafka: Kafka,
  admin: Admin,
  topic: string,
): Promise<{ counts: Map<string, number>; last: Map<number, number>; repeated: Map<string, Copy[]> }> {
  const counts = new Map<string, number>();
  const last = new Map<number, number>();
  const seen = new Map<string, Copy>();
  const repeated = new Map<string, Copy[]>();
  const offsets = await admin.fetchTopicOffsets(topic);
  const requests = offsets.map(({ partition, low, high }) => ({ topic, partition, from: Number(low), to: Number(high) - 1 }));
  await readPartitions(kafka, requests, async (request, records) => {
    for (const record of records) {
      const word = record.key.toString();
      const [valueWord, linePartition, lineOffset, index, pid] = (record.value?.toString() ?? '').split(' ');
      assert.equal(valueWord, word, `the word in the value of the record at ${request.partition}/${record.offset}`);
      counts.set(word, (counts.get(word) ?? 0) + 1);
      last.set(request.partition, Math.max(last.get(request.partition) ?? -1, record.offset));
      const occurrence = `${linePartition} ${lineOffset} ${index}`;
      const copy = { partition: request.partition, offset: record.offset, pid: pid as string };
      const first = seen.get(occurrence);
      if (first === undefined) seen.set(occurrence, copy);
      else repeated.set(occurrence, [...(repeated.get(occurrence) ?? [first]), copy]);
    }
  });
  return { counts, last, repeated };
}

/** Repeated occurrences summed up per line partition: the line offsets they came from and the processes that sent the copies. */
function describeRepeats(repeated: ReadonlyMap<string, readonly Copy[]>): string[] {
  const byPartition = new Map<string, { offsets: number[]; pids: Set<string> }>();
  for (const [occurrence, copies] of repeated) {
    const [partition, offset] = occurrence.split(' ');
    const entry = byPartition.get(partition as string) ?? { offsets: [], pids: new Set<string>() };
    entry.offsets.push(Number(offset));
    for (const copy of copies) entry.pids.add(copy.pid);
    byPartition.set(partition as string, entry);
  }
  return [...byPartition].map(([partition, { offsets, pids }]) => {
    const lines = [...new Set(offsets)].sort((a, b) => a - b);
    return `lines partition ${partition}: ${offsets.length} words of ${lines.length} lines, offsets ${lines[0]}..${lines.at(-1)}, sent by pids ${[...pids].join(', ')}`;
  });
}

/**
 * Records in a topic as a read_uncommitted reader finds them: aborted ones (work of a killed
 * container past its last commit) included, transaction markers not.
 */
async function uncommittedRecords(kafka: Kafka, admin: Admin, topic: string): Promise<number> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high) - 1]));
  const pending = new Set([...ends].filter(([, last]) => last >= 0).map(([partition]) => partition));
  const groupId = uniqueName('two-stage-uncommitted');
  const consumer = kafka.consumer({ groupId, readUncommitted: true, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 });
  let records = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolveDone) => {
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        // The batch's last offset counts markers too, so a partition ends at its high watermark.
        if (Number(payload.lastOffset) >= (ends.get(payload.partition) ?? 0)) pending.delete(payload.partition);
        if (pending.size === 0) resolveDone();
      });
      if (pending.size === 0) resolveDone();
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        records += batch.messages.filter((message) => Number(message.offset) <= (ends.get(batch.partition) ?? -1)).length;
      },
    });
    const timeout = sleep(120_000, undefined, { ref: false }).then(() => {
      throw new Error(`reading ${topic} read_uncommitted took over 120 s; partitions left: ${[...pending].join(', ')}`);
    });
    await Promise.race([done, timeout]);
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return records;
}

/** SIGTERMs a container and waits (bounded) for its exit: its exit code, or its signal. */
async function stop(child: ChildProcess): Promise<number | string> {
  child.kill('SIGTERM');
  const timeout = sleep(60_000, undefined, { ref: false }).then(() => `no exit 60 s after SIGTERM (pid ${child.pid})`);
  return Promise.race([exitOf(child), timeout]);
}

const sum = (values: Iterable<number>): number => [...values].reduce((total, value) => total + value, 0);

describe('a two-stage job (split, re-send keyed, count) on real Kafka, exactly once', { timeout: 600_000 }, () => {
  it('counts every word exactly once although containers of both stages are SIGKILLed while lines arrive', async (t) => {
    t.after(killContainers);
    const started = Date.now();
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'two-stage-test' });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());

    const countJob = await wordCountJob(PARTITIONS, 100, { containers: 2, guarantee: 'exactly-once' });
    const lines = uniqueName('lines');
    const split = await splitJob(lines, countJob.words);
    await ensureTopic(admin, { topic: lines, partitions: PARTITIONS, compacted: false, purpose: 'test input' });
    await ensureTopic(admin, { topic: countJob.words, partitions: PARTITIONS, compacted: false, purpose: 'words between the stages' });
    const stages: Stage[] = [
      { label: 'split', job: split, containers: ['0', '1'].map((id) => startContainer(split, id)) },
      { label: 'count', job: countJob, containers: ['0', '1'].map((id) => startContainer(countJob, id)) },
    ];

    let batchesSent = 0;
    let aborted = false;
    const producing = produceLines(
      kafka,
      admin,
      lines,
      stages,
      (batches) => (batchesSent = batches),
      () => aborted,
    ).catch((error: unknown) => {
      aborted = true;
      throw error;
    });
    let seed = 20_240_615;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const kills: string[] = [];
    const killing = (async () => {
      for (let kill = 0; kill < KILLS; kill++) {
        // Spread over the production, the last one well before its end: lines keep arriving around every kill.
        const at = Math.round(((kill + 1) * BATCHES) / (KILLS + 2)) + Math.floor(random() * 4) - 2;
        const deadline = Date.now() + 300_000;
        while (batchesSent < at) {
          if (aborted) return;
          assert.ok(Date.now() < deadline, `batch ${at} was not sent within 300 s`);
          await sleep(50);
        }
        const stage = stages[kill % 2] as Stage;
        const index = random() < 0.5 ? 0 : 1;
        // The stage is processing (with a container restarted by an earlier kill, once the group has it back).
        await waitForProgress(admin, stage.job.group, stage.job.words, stage.label === 'split' ? 200 : 1000);
        // Right after a batch: the stages are busy with it (between batches they are idle, nothing uncommitted).
        const after = batchesSent;
        while (batchesSent === after) {
          if (aborted) return;
          assert.ok(Date.now() < deadline, `batch ${after + 1} was not sent within 300 s`);
          await sleep(5);
        }
        const delay = KILL_DELAY_MS[stage.label] as { min: number; max: number };
        await sleep(delay.min + random() * (delay.max - delay.min));
        const victim = stage.containers[index] as ChildProcess;
        victim.kill('SIGKILL');
        const killedAt = new Date().toISOString().slice(11, 23);
        assert.equal(await exitOf(victim), 'SIGKILL', `${stage.label} container ${index} died of the SIGKILL`);
        const successor = startContainer(stage.job, String(index));
        stage.containers[index] = successor;
        kills.push(`${stage.label}/${index} pid ${victim.pid} at ${killedAt} (batch ${batchesSent}; successor pid ${successor.pid})`);
      }
    })().catch((error: unknown) => {
      aborted = true;
      throw error;
    });
    const [produced, killed] = await Promise.allSettled([producing, killing]);
    aborted = true;
    if (killed.status === 'rejected') throw killed.reason;
    if (produced.status === 'rejected') throw produced.reason;
    const truth = produced.value;
    assert.equal(kills.length, KILLS, 'every kill was made');
    const words = sum(truth.values());
    process.stdout.write(`# ${LINES} lines, ${words} words, ${truth.size} distinct; ${kills.length} kills:\n`);
    for (const kill of kills) process.stdout.write(`#   ${kill}\n`);

    // Stage 1 has read every line; then stage 2 must get past the last committed word of every partition
    // (not to the end: the transaction markers and aborted records after it are never delivered).
    await waitForCheckpointsAtEnd(admin, split, 240_000);
    const intermediate = await readWords(kafka, admin, countJob.words);
    await waitForCheckpoints(
      admin,
      countJob,
      (offset, partition) => offset >= (intermediate.last.get(partition) ?? -1) + 1,
      'past the last committed word',
      240_000,
    );
    const exits = await Promise.all(stages.flatMap((stage) => stage.containers).map(stop));
    assert.deepEqual(exits, [0, 0, 0, 0], 'every container exits cleanly on SIGTERM (split 0, 1; count 0, 1)');

    // Everything is measured and printed first, then checked: a failure shows how far each stage is off.
    // A read_committed reader of the intermediate topic: each word occurrence once, none lost, none twice.
    const intermediateTotal = sum(intermediate.counts.values());
    const wrongWords = [...new Set([...truth.keys(), ...intermediate.counts.keys()])]
      .filter((word) => intermediate.counts.get(word) !== truth.get(word))
      .map((word) => `${word}: ${intermediate.counts.get(word) ?? 0} in the topic, true count ${truth.get(word) ?? 0}`);
    process.stdout.write(
      `# intermediate topic (read_committed): ${intermediateTotal} words (true: ${words}), ${wrongWords.length} words off, ` +
        `${intermediate.repeated.size} occurrences repeated\n`,
    );
    for (const line of describeRepeats(intermediate.repeated)) process.stdout.write(`#   repeated: ${line}\n`);
    // Whether the kills hit work past a commit: a read_uncommitted reader sees the aborted records too.
    const uncommitted = await uncommittedRecords(kafka, admin, countJob.words);
    process.stdout.write(`# intermediate topic (read_uncommitted): ${uncommitted} words, ${uncommitted - words} of them aborted\n`);

    // Stage 2's state, as a new owner of each task would restore it from the final checkpoints.
    const model = jobModelFor(await loadJobConfig(countJob.configFile), new Map([[countJob.words, PARTITIONS]]));
    const restored = await restoredCounts(kafka, admin, countJob, model);
    const wrongCounts = [...new Set([...truth.keys(), ...restored.keys()])]
      .filter((word) => restored.get(word) !== truth.get(word))
      .map((word) => `${word}: restored ${restored.get(word)}, true ${truth.get(word)}`);
    process.stdout.write(`# restored counts: ${restored.size} words summing to ${sum(restored.values())}, ${wrongCounts.length} off\n`);

    // A read_committed reader of stage 2's output: each word's counts 1, 2, … up to its true count, once each.
    const emitted = await readTopic(kafka, admin, countJob.counts);
    const wrongEmissions = exactEmissions(truth, emitted);
    process.stdout.write(
      `# emitted counts (read_committed): ${sum([...emitted.values()].map((list) => list.length))}, ${wrongEmissions.length} words wrong\n`,
    );
    const uncommittedCounts = await uncommittedRecords(kafka, admin, countJob.counts);
    process.stdout.write(
      `# counts topic (read_uncommitted): ${uncommittedCounts} counts, ${uncommittedCounts - words} of them aborted; ` +
        `${Math.round((Date.now() - started) / 1000)} s\n`,
    );

    assert.equal(intermediate.repeated.size, 0, 'word occurrences (line partition, offset, index) read more than once');
    assert.deepEqual(wrongWords.slice(0, 10), [], `${wrongWords.length} words occur in the intermediate topic other than their true count`);
    assert.equal(intermediateTotal, words, 'word records in the intermediate topic');
    assert.deepEqual(wrongCounts.slice(0, 10), [], `restored counts of ${wrongCounts.length} words differ from the truth`);
    assert.deepEqual(wrongEmissions.slice(0, 5), [], `${wrongEmissions.length} words have duplicate, missing or out-of-order emissions`);
  });
});
