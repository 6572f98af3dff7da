/**
 * A SIGKILL before a task's first commit (issue #15, review H1): the container has processed
 * thousands of words, flushed their counts to the changelog and sent their outputs, but not
 * committed once (commit-ms is 2 minutes). Its restart finds no checkpoint past the start positions:
 * it must start from an empty state (trimming what the changelog holds), not adopt the changelog
 * while its inputs start again from the beginning, which counted those words twice.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic, type TopicSpec } from '../../../shared/kafka/topics.js';
import { changelogTopicSpecs } from '../../../executor/job/changelog-topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { jobModelFor, loadJobBinding } from '../../../executor/job/job-binding.js';
import { kafkaBrokers } from '../../infra/services.js';
import { GUARANTEES, loadJobConfig, type Guarantee } from '../../../shared/config/job-config.js';
import {
  committedOffsets,
  exitOf,
  killContainers,
  produceWords,
  startContainer,
  waitForCheckpointsAtEnd,
  wordCountJob,
  type WordCountJob,
  assertExactCounts,
} from './harness.js';

setLogLevel('warn');

const PARTITIONS = 2;
const WORDS = 40_000;

/**
 * Counts the records of the given topics as they arrive, committed or not: exactly once, a
 * container's records stay in an open transaction until its first commit after its start.
 */
async function countRecords(t: TestContext, kafka: Kafka, topics: readonly string[]): Promise<(topic: string) => number> {
  const counts = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `${topics[0]}-counter`, readUncommitted: true });
  t.after(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => void counts.set(batch.topic, (counts.get(batch.topic) ?? 0) + batch.messages.length),
  });
  return (topic) => counts.get(topic) ?? 0;
}

/** The same job restarted with other task settings (it commits often, so the test can wait for the end). */
async function restartedAs(job: WordCountJob, guarantee: Guarantee, commitMs: number): Promise<WordCountJob> {
  const config = JSON.parse(await readFile(job.configFile, 'utf8')) as { task: Record<string, unknown> };
  config.task['commit-ms'] = commitMs;
  config.task.guarantee = guarantee;
  const configFile = job.configFile.replace(/\.json$/, `-${guarantee}-${commitMs}.json`);
  await writeFile(configFile, JSON.stringify(config, null, 2));
  return { ...job, configFile };
}

/**
 * Each mode, and a job switched from at least once to exactly once after the kill: its restart
 * must trim, inside its first transaction, the changelog records the killed run left uncommitted.
 */
const RUNS: readonly { killed: Guarantee; restarted: Guarantee }[] = [
  ...GUARANTEES.map((guarantee) => ({ killed: guarantee, restarted: guarantee })),
  { killed: 'at-least-once', restarted: 'exactly-once' },
];

for (const { killed: guarantee, restarted } of RUNS)
  describe(
    `a container killed before its first commit, ${guarantee}${restarted === guarantee ? '' : `, restarted ${restarted}`}`,
    { timeout: 240_000 },
    () => {
      it('is restarted from an empty state: every word counted exactly once', async (t) => {
        t.after(killContainers);
        const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'first-checkpoint-test' });
        const admin = kafka.admin();
        await admin.connect();
        t.after(() => admin.disconnect());
        // Exactly once, the longest commit interval allowed; its records are written in a transaction that stays open.
        const job = await wordCountJob(PARTITIONS, guarantee === 'exactly-once' ? 30_000 : 120_000, { containers: 1, guarantee });
        await ensureTopic(admin, { topic: job.words, partitions: PARTITIONS, compacted: false, purpose: 'test input' });
        const expected = await produceWords(kafka, job.words, WORDS);
        // The container would create them too; the counter follows them from before it starts.
        await ensureTopic(admin, { topic: job.counts, partitions: PARTITIONS, compacted: false, purpose: 'test output' });
        const binding = await loadJobBinding(await loadJobConfig(job.configFile));
        await ensureTopic(admin, changelogTopicSpecs(binding, PARTITIONS)[0] as TopicSpec);
        const seen = await countRecords(t, kafka, [job.counts, job.changelog]);

        const first = startContainer(job, '0');
        const deadline = Date.now() + 120_000;
        // Its counts reach the changelog (cache flushes) and the output topic long before any commit.
        while (seen(job.counts) < WORDS / 4) {
          assert.ok(Date.now() < deadline, 'the container emitted a quarter of the counts within 120 s');
          await sleep(100);
        }
        first.kill('SIGKILL');
        await exitOf(first);
        assert.ok(seen(job.changelog) > 0, 'the killed container had written counts to its changelog');
        const committed = await committedOffsets(admin, job);
        assert.deepEqual([...committed.values()], [0, 0], 'its only checkpoints are the ones at its start positions');

        const again = await restartedAs(job, restarted, 300);
        const second = startContainer(again, '0');
        await waitForCheckpointsAtEnd(admin, job, 120_000);
        second.kill('SIGTERM');
        assert.equal(await exitOf(second), 0, 'the restarted container exits cleanly');

        const model = jobModelFor(binding.config, new Map([[job.words, PARTITIONS]]));
        // Exactly once, the killed container's transaction was aborted: none of its counts is read.
        await assertExactCounts(kafka, admin, job, model, expected, guarantee);
      });
    },
  );
