import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { kafkaBrokers } from '../../infra/services.js';
import { checkRuns, exitOf, killContainers, produceWords, readTopic, startContainer, waitForCheckpointsAtEnd, waitForProgress, wordCountJob } from './harness.js';

setLogLevel('warn');

describe('crash safety of containers on real Kafka', { timeout: 600_000 }, () => {
  it('loses no update when containers are killed with SIGKILL at random points and restarted', async (t) => {
    t.after(killContainers);
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'crash-test' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const job = await wordCountJob(8);
      await ensureTopic(admin, { topic: job.words, partitions: 8, compacted: false, purpose: 'test input' });
      const containers = ['0', '1'].map((id) => startContainer(job, id));
      // Input keeps arriving (about 10k words/s) while the containers are killed and restarted.
      const produced = produceWords(kafka, job.words, 400_000, 42, 500);
      let random = 12345;
      const next = () => (random = (random * 48271) % 2147483647) / 2147483647;
      const kills = 6;
      for (let kill = 0; kill < kills; kill++) {
        // Kill while the job is busy: after its checkpoints moved on, at a random point between commits.
        await waitForProgress(admin, job.group, job.words, 2000);
        await new Promise((resolve) => setTimeout(resolve, next() * 600));
        const index = next() < 0.5 ? 0 : 1;
        const victim = containers[index];
        victim?.kill('SIGKILL');
        assert.equal(await exitOf(victim as NonNullable<typeof victim>), 'SIGKILL');
        containers[index] = startContainer(job, String(index));
      }
      const model = await produced;
      await waitForCheckpointsAtEnd(admin, job, 300_000);
      for (const child of containers) child.kill('SIGTERM');
      assert.deepEqual(await Promise.all(containers.map(exitOf)), [0, 0]);

      const emitted = await readTopic(kafka, admin, job.counts);
      const changelog = await readTopic(kafka, admin, job.changelog);
      let duplicates = 0;
      for (const [word, count] of model) {
        duplicates += checkRuns(word, (emitted.get(word) ?? []).map(Number), count);
        assert.equal(Number(changelog.get(word)?.at(-1)), count, `stored count of ${word}`);
      }
      assert.equal(emitted.size, model.size);
      assert.ok(duplicates > 0, 'some kills landed after uncommitted work, which was then done again');
      process.stdout.write(`# ${kills} kills; ${duplicates} duplicate emissions out of ${[...emitted.values()].reduce((n, l) => n + l.length, 0)}\n`);
    } finally {
      await admin.disconnect();
    }
  });
});
