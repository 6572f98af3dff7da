import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { kafkaBrokers } from '../../infra/services.js';
import { exitOf, killContainers, produceWords, readTopic, startContainer, waitForCheckpointsAtEnd, waitForProgress, wordCountJob } from './harness.js';

setLogLevel('warn');

describe('word count in 2 container processes on real Kafka', { timeout: 300_000 }, () => {
  it('counts 200,000 words on 8 partitions exactly, and a SIGTERM in the middle loses and repeats nothing', async (t) => {
    t.after(killContainers);
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'word-count-test' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const job = await wordCountJob(8);
      await ensureTopic(admin, { topic: job.words, partitions: 8, compacted: false, purpose: 'test input' });
      let containers = ['0', '1'].map((id) => startContainer(job, id));
      // Input arrives over several seconds; stop both cleanly while they are busy, then start them again.
      const produced = produceWords(kafka, job.words, 200_000, 1, 200);
      await waitForProgress(admin, job.group, job.words, 20_000);
      for (const child of containers) child.kill('SIGTERM');
      assert.deepEqual(await Promise.all(containers.map(exitOf)), [0, 0], 'SIGTERM exits 0 after the last commit');
      containers = ['0', '1'].map((id) => startContainer(job, id));
      const model = await produced;
      await waitForCheckpointsAtEnd(admin, job, 240_000);
      for (const child of containers) child.kill('SIGTERM');
      assert.deepEqual(await Promise.all(containers.map(exitOf)), [0, 0]);

      const emitted = await readTopic(kafka, admin, job.counts);
      assert.equal(emitted.size, model.size);
      for (const [word, count] of model) {
        const counts = (emitted.get(word) ?? []).map(Number);
        assert.deepEqual(counts, Array.from({ length: count }, (_, i) => i + 1), `emitted counts of ${word}: each once, in order`);
      }
      const changelog = await readTopic(kafka, admin, job.changelog);
      for (const [word, count] of model) assert.equal(Number(changelog.get(word)?.at(-1)), count, `stored count of ${word}`);
    } finally {
      await admin.disconnect();
    }
  });
});
