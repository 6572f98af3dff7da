import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import { GUARANTEES } from '../../../shared/config/job-config.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { kafkaBrokers } from '../../infra/services.js';
import {
  committedOffsets,
  exitOf,
  killContainers,
  produceWordsUntil,
  readTopic,
  startContainer,
  waitForProgress,
  wordCountJob,
  type WordCountJob,
  stopAndCheckCounts,
} from './harness.js';

setLogLevel('warn');

/** A kill that landed while the victim had processed a message of `partition` past its checkpoint. */
interface Kill {
  readonly partition: number;
  /** The partition's checkpoint (next offset to process) when the victim died. */
  readonly checkpoint: number;
  /** The process that took over the victim's tasks. */
  readonly successor: number;
}

/**
 * Follows the trace topic from its start: per process and input partition, the highest offset it
 * processed, and how far the trace has been read. Reading as it goes keeps each check of a frozen
 * victim to a few hundred ms, far below the group session timeout (a long freeze would rebalance the
 * group and stall the job the test wants busy).
 */
async function followTrace(
  t: TestContext,
  kafka: Kafka,
  job: WordCountJob,
): Promise<{ highest: Map<string, number>; readUpTo: () => number }> {
  const highest = new Map<string, number>();
  let position = 0;
  // Uncommitted records too: exactly once, the trace of work past the checkpoint is in an open transaction.
  const consumer = kafka.consumer({ groupId: `${job.name}-trace-follower`, readUncommitted: true });
  t.after(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic: job.trace, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const [pid, offset] = (message.value?.toString() ?? '').split(' ');
        const key = `${pid} ${message.key?.toString()}`;
        highest.set(key, Math.max(highest.get(key) ?? -1, Number(offset)));
      }
      position = Number(batch.lastOffset()) + 1;
    },
  });
  return { highest, readUpTo: () => position };
}

type TraceFollower = Awaited<ReturnType<typeof followTrace>>;

/**
 * Freezes the victim (SIGSTOP: it neither processes nor commits) at a point where the trace holds its
 * processing of an offset at or past its partition's checkpoint — work whose effects are in Kafka and
 * that no checkpoint covers — and returns that partition and checkpoint. At any other point it lets the
 * victim go on and tries again a moment later, for at most 4 min (a restarted container starts slowly
 * on a loaded machine).
 */
async function freezeWithUncommittedWork(
  admin: Admin,
  job: WordCountJob,
  trace: TraceFollower,
  victim: ChildProcess,
  random: () => number,
): Promise<{ partition: number; checkpoint: number }> {
  const pid = victim.pid as number;
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    await sleep(random() * 600);
    victim.kill('SIGSTOP');
    // Let the broker finish any request the victim had already sent (a commit in flight).
    await sleep(300);
    const [end] = await admin.fetchTopicOffsets(job.trace);
    const committed = await committedOffsets(admin, job);
    const readBy = Date.now() + 2000;
    while (trace.readUpTo() < Number(end?.high ?? 0) && Date.now() < readBy) await sleep(10);
    if (trace.readUpTo() >= Number(end?.high ?? 0)) {
      for (const [partition, checkpoint] of committed) {
        // A checkpoint of its own (not the reset policy's start) is what this test is about.
        if (checkpoint >= 0 && (trace.highest.get(`${pid} ${partition}`) ?? -1) >= checkpoint) return { partition, checkpoint };
      }
    }
    victim.kill('SIGCONT');
  }
  throw new Error(`container process ${pid} never showed processed work past a checkpoint in 4 min: the job is not processing`);
}

/** Waits until a partition's checkpoint moves past `offset`: its new owner processed from there and committed. */
async function waitForCheckpointPast(admin: Admin, job: WordCountJob, partition: number, offset: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (((await committedOffsets(admin, job)).get(partition) ?? -1) <= offset) {
    if (Date.now() > deadline)
      throw new Error(`partition ${partition}'s checkpoint did not move past ${offset} in 120 s after the restart`);
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

for (const guarantee of GUARANTEES)
  describe(`crash safety of containers on real Kafka, ${guarantee}`, { timeout: 600_000 }, () => {
    it('loses no update and counts none twice when containers are SIGKILLed with uncommitted work, and resumes at the checkpoint', async (t) => {
      t.after(killContainers);
      const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'crash-test' });
      const admin = kafka.admin();
      await admin.connect();
      try {
        const job = await wordCountJob(8, 300, { traced: true, guarantee });
        await ensureTopic(admin, { topic: job.words, partitions: 8, compacted: false, purpose: 'test input' });
        // The containers would create it too; the test follows it from before they start.
        await ensureTopic(admin, { topic: job.trace, partitions: 1, compacted: false, purpose: 'processing records' });
        const trace = await followTrace(t, kafka, job);
        const containers = ['0', '1'].map((id) => startContainer(job, id));
        // Input keeps arriving (5,000 words a batch) until every kill is done, however slow the machine.
        let killed = false;
        const produced = produceWordsUntil(kafka, admin, job, () => killed, { seed: 42, pauseMs: 500 });
        let seed = 12345;
        const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
        const kills: Kill[] = [];
        for (let round = 0; round < 6; round++) {
          await waitForProgress(admin, job.group, job.words, 2000);
          const index = random() < 0.5 ? 0 : 1;
          const victim = containers[index] as ChildProcess;
          const work = await freezeWithUncommittedWork(admin, job, trace, victim, random);
          victim.kill('SIGKILL');
          assert.equal(await exitOf(victim), 'SIGKILL');
          const successor = startContainer(job, String(index));
          containers[index] = successor;
          await waitForCheckpointPast(admin, job, work.partition, work.checkpoint);
          kills.push({ ...work, successor: successor.pid as number });
        }
        killed = true;
        const model = await produced;
        const { duplicates, emitted } = await stopAndCheckCounts(kafka, admin, job, containers, model);

        // Each successor started its dead predecessor's partition exactly at the checkpoint: the work
        // past it, whose effects were already in Kafka, was done again, and nothing before it was.
        const processed = processedBy(await readTopic(kafka, admin, job.trace));
        for (const kill of kills) {
          const first = processed.get(kill.partition)?.get(kill.successor)?.[0];
          assert.equal(first, kill.checkpoint, `partition ${kill.partition}: where process ${kill.successor} started after the kill`);
        }
        assert.equal(emitted.size, model.size);
        // Exactly once, the killed containers' transactions were aborted: nothing they emitted past their checkpoints is read.
        if (guarantee === 'exactly-once') assert.equal(duplicates, 0, 'a read_committed reader sees no count twice');
        process.stdout.write(
          `# ${kills.length} kills; ${duplicates} duplicate emissions out of ${[...emitted.values()].reduce((n, l) => n + l.length, 0)}\n`,
        );
      } finally {
        await admin.disconnect();
      }
    });
  });
