import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
  waitForCheckpoints,
  waitForCheckpointsAtEnd,
  wordCountJob,
} from './harness.js';

setLogLevel('warn');

describe('word count in 2 container processes on real Kafka', { timeout: 300_000 }, () => {
  it('counts words on 8 partitions exactly, and a SIGTERM in the middle loses and repeats nothing', async (t) => {
    t.after(killContainers);
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'word-count-test' });
    const admin = kafka.admin();
    await admin.connect();
    // Input keeps arriving until the containers started after the SIGTERM have processed on every partition.
    let inputDone = false;
    let produced: Promise<Map<string, number>> | undefined;
    try {
      const job = await wordCountJob(8);
      await ensureTopic(admin, { topic: job.words, partitions: 8, compacted: false, purpose: 'test input' });
      let containers = ['0', '1'].map((id) => startContainer(job, id));
      produced = produceWordsUntil(kafka, admin, job, () => inputDone, { seed: 1, pauseMs: 200 });
      // Stop both cleanly while they are busy, once they have checkpointed on every partition (so
      // their successors resume from checkpoints, not from the start), then start them again.
      await waitForCheckpoints(admin, job, (offset) => offset > 0, 'past 0 on every partition before the SIGTERM');
      for (const child of containers) child.kill('SIGTERM');
      assert.deepEqual(await Promise.all(containers.map(exitOf)), [0, 0], 'SIGTERM exits 0 after the last commit');
      const atStop = await committedOffsets(admin, job);
      containers = ['0', '1'].map((id) => startContainer(job, id));
      // The new processes take over every partition in the middle of its input.
      await waitForCheckpoints(
        admin,
        job,
        (offset, partition) => offset > (atStop.get(partition) ?? 0),
        'past where the SIGTERM left them on every partition',
      );
      inputDone = true;
      const model = await produced;
      await waitForCheckpointsAtEnd(admin, job, 240_000);
      for (const child of containers) child.kill('SIGTERM');
      assert.deepEqual(await Promise.all(containers.map(exitOf)), [0, 0]);

      const emitted = await readTopic(kafka, admin, job.counts);
      assert.equal(emitted.size, model.size);
      for (const [word, count] of model) {
        const counts = (emitted.get(word) ?? []).map(Number);
        assert.deepEqual(
          counts,
          Array.from({ length: count }, (_, i) => i + 1),
          `emitted counts of ${word}: each once, in order`,
        );
      }
      const changelog = await readTopic(kafka, admin, job.changelog);
      for (const [word, count] of model) assert.equal(Number(changelog.get(word)?.at(-1)), count, `stored count of ${word}`);
      const words = [...model.values()].reduce((sum, count) => sum + count, 0);
      process.stdout.write(`# ${words} words; checkpoints at the SIGTERM: ${[...atStop.values()].join(', ')}\n`);
    } finally {
      inputDone = true;
      await produced?.catch(() => undefined);
      await admin.disconnect();
    }
  });
});
