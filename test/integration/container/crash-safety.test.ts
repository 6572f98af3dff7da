import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka } from '../../../shared/kafka/client.js';
import { readPartitions } from '../../../shared/kafka/partition-reader.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { kafkaBrokers } from '../../infra/services.js';
import { checkRuns, exitOf, killContainers, produceWords, readTopic, startContainer, waitForCheckpointsAtEnd, waitForProgress, wordCountJob, type WordCountJob } from './harness.js';

setLogLevel('warn');

/** A kill that landed while the victim had processed a message of `partition` past its checkpoint. */
interface Kill {
  readonly partition: number;
  /** The partition's checkpoint (next offset to process) when the victim died. */
  readonly checkpoint: number;
  /** The process that took over the victim's tasks. */
  readonly successor: number;
}

async function checkpoints(admin: Admin, job: WordCountJob): Promise<Map<number, number>> {
  const [committed] = await admin.fetchOffsets({ groupId: job.group, topics: [job.words] });
  return new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
}

/**
 * With the victim stopped (SIGSTOP, so it neither processes nor commits), a partition for which the
 * trace topic holds the victim's processing record of an offset at or past the partition's checkpoint:
 * work whose effects are in Kafka and that no checkpoint covers. Undefined when there is none.
 */
async function uncommittedWork(kafka: Kafka, admin: Admin, job: WordCountJob, pid: number): Promise<{ partition: number; checkpoint: number } | undefined> {
  const committed = await checkpoints(admin, job);
  const [trace] = await admin.fetchTopicOffsets(job.trace);
  const high = Number(trace?.high ?? 0);
  // The last 20k processing records: a few seconds of the job's work, more than the victim's last commit interval.
  const from = Math.max(Number(trace?.low ?? 0), high - 20_000);
  let found: { partition: number; checkpoint: number } | undefined;
  if (high > from) {
    await readPartitions(kafka, admin, [{ topic: job.trace, partition: 0, from, to: high - 1 }], async (_request, records) => {
      for (const record of records) {
        const [recordPid, offset] = (record.value?.toString() ?? '').split(' ').map(Number);
        const partition = Number(record.key.toString());
        const checkpoint = committed.get(partition) ?? -1;
        // A checkpoint of its own (not the reset policy's start) is what this test is about.
        if (recordPid === pid && checkpoint >= 0 && (offset ?? -1) >= checkpoint) found = { partition, checkpoint };
      }
    });
  }
  return found;
}

/**
 * Freezes the victim at a point where it has processed messages past a checkpoint, trying again at
 * other points until it has (bounded), so that every kill drops uncommitted work.
 */
async function freezeWithUncommittedWork(kafka: Kafka, admin: Admin, job: WordCountJob, victim: ChildProcess, random: () => number): Promise<{ partition: number; checkpoint: number }> {
  const pid = victim.pid as number;
  for (let attempt = 1; attempt <= 40; attempt++) {
    await sleep(random() * 600);
    victim.kill('SIGSTOP');
    // Let the broker finish any request the victim had already sent (a commit in flight).
    await sleep(300);
    const work = await uncommittedWork(kafka, admin, job, pid);
    if (work !== undefined) return work;
    victim.kill('SIGCONT');
  }
  throw new Error(`container process ${pid} never showed processed work past a checkpoint in 40 tries: the job is not processing`);
}

/** Waits until a partition's checkpoint moves past `offset`: its new owner processed from there and committed. */
async function waitForCheckpointPast(admin: Admin, job: WordCountJob, partition: number, offset: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (((await checkpoints(admin, job)).get(partition) ?? -1) <= offset) {
    if (Date.now() > deadline) throw new Error(`partition ${partition}'s checkpoint did not move past ${offset} in 120 s after the restart`);
    await sleep(100);
  }
}

/** Per partition, the offsets each process handled, in the order it handled them. */
function processedBy(trace: Map<string, (string | null)[]>): Map<number, Map<number, number[]>> {
  const result = new Map<number, Map<number, number[]>>();
  for (const [partition, values] of trace) {
    const byPid = new Map<number, number[]>();
    for (const value of values) {
      const [pid, offset] = (value ?? '').split(' ').map(Number);
      const list = byPid.get(pid as number) ?? [];
      list.push(offset as number);
      byPid.set(pid as number, list);
    }
    result.set(Number(partition), byPid);
  }
  return result;
}

describe('crash safety of containers on real Kafka', { timeout: 600_000 }, () => {
  it('loses no update and counts none twice when containers are SIGKILLed with uncommitted work, and resumes at the checkpoint', async (t) => {
    t.after(killContainers);
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'crash-test' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const job = await wordCountJob(8, 300, { traced: true });
      await ensureTopic(admin, { topic: job.words, partitions: 8, compacted: false, purpose: 'test input' });
      const containers = ['0', '1'].map((id) => startContainer(job, id));
      // Input keeps arriving (about 10k words/s) while the containers are killed and restarted.
      const produced = produceWords(kafka, job.words, 400_000, 42, 500);
      let seed = 12345;
      const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
      const kills: Kill[] = [];
      for (let round = 0; round < 6; round++) {
        await waitForProgress(admin, job.group, job.words, 2000);
        const index = random() < 0.5 ? 0 : 1;
        const victim = containers[index] as ChildProcess;
        const work = await freezeWithUncommittedWork(kafka, admin, job, victim, random);
        victim.kill('SIGKILL');
        assert.equal(await exitOf(victim), 'SIGKILL');
        const successor = startContainer(job, String(index));
        containers[index] = successor;
        await waitForCheckpointPast(admin, job, work.partition, work.checkpoint);
        kills.push({ ...work, successor: successor.pid as number });
      }
      const model = await produced;
      await waitForCheckpointsAtEnd(admin, job, 300_000);
      for (const child of containers) child.kill('SIGTERM');
      assert.deepEqual(await Promise.all(containers.map(exitOf)), [0, 0]);

      // Each successor started its dead predecessor's partition exactly at the checkpoint: the work
      // past it, whose effects were already in Kafka, was done again, and nothing before it was.
      const processed = processedBy(await readTopic(kafka, admin, job.trace));
      for (const kill of kills) {
        const first = processed.get(kill.partition)?.get(kill.successor)?.[0];
        assert.equal(first, kill.checkpoint, `partition ${kill.partition}: where process ${kill.successor} started after the kill`);
      }
      const emitted = await readTopic(kafka, admin, job.counts);
      const changelog = await readTopic(kafka, admin, job.changelog);
      let duplicates = 0;
      for (const [word, count] of model) {
        duplicates += checkRuns(word, (emitted.get(word) ?? []).map(Number), count);
        assert.equal(Number(changelog.get(word)?.at(-1)), count, `stored count of ${word}`);
      }
      assert.equal(emitted.size, model.size);
      process.stdout.write(`# ${kills.length} kills; ${duplicates} duplicate emissions out of ${[...emitted.values()].reduce((n, l) => n + l.length, 0)}\n`);
    } finally {
      await admin.disconnect();
    }
  });
});
