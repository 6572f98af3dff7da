/**
 * A zombie container (issue #15): container '0' is frozen (SIGSTOP) while it processes, long enough
 * for its ZooKeeper session to expire; the scheduler's relaunch of '0' (a new process) claims its
 * tasks, restores them and processes on; then the zombie is thawed (SIGCONT) while input keeps
 * arriving. Whatever the zombie still sends when it wakes (requests it had queued, a commit under
 * way), the job's state must come out exact: a restore from the final checkpoints, by the product's
 * own restore code, holds every word's true count; no emitted count goes past it. Exactly once,
 * the zombie's first write after it wakes fails (the relaunch's producer fenced its transactional
 * ids), and a read_committed reader of the output sees every count exactly once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { ContainerRegistry } from '../../../shared/coordination/container-registry.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { kafkaBrokers, zkConnect } from '../../infra/services.js';
import { GUARANTEES } from '../../../shared/config/job-config.js';
import {
  containerLog,
  exitOf,
  killContainers,
  produceWordsUntil,
  startContainer,
  waitForCheckpointsAtEnd,
  waitForModel,
  waitForProgress,
  wordCountJob,
  assertExactCounts,
} from './harness.js';
import { ModelPublisher } from './model-publisher.js';

setLogLevel('warn');

const PARTITIONS = 4;

function logMessages(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => String((JSON.parse(line) as { message?: unknown }).message));
}

for (const guarantee of GUARANTEES)
  describe(`a zombie container on real Kafka and ZooKeeper, ${guarantee}`, { timeout: 300_000 }, () => {
    it(
      guarantee === 'exactly-once'
        ? 'is fenced: the final counts are exact and a read_committed reader sees every count once'
        : 'changes nothing its successor restores: the final counts are exact',
      async (t) => {
        t.after(killContainers);
        const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'zombie-test' });
        const admin = kafka.admin();
        await admin.connect();
        t.after(() => admin.disconnect());
        const job = await wordCountJob(PARTITIONS, 200, { guarantee });
        await ensureTopic(admin, { topic: job.words, partitions: PARTITIONS, compacted: false, purpose: 'test input' });
        const publisher = await ModelPublisher.lead(job.configFile);
        t.after(() => publisher.close());
        const model = await publisher.publish(2);
        const stateRoot = await mkdtemp(join(tmpdir(), 'sluice-zombie-'));
        const zombie = startContainer(job, '0', { zookeeper: zkConnect(), stateDir: join(stateRoot, 'zombie') });
        const other = startContainer(job, '1', { zookeeper: zkConnect(), stateDir: join(stateRoot, '1') });
        const registry = new ContainerRegistry(publisher.zkSession, job.name);
        await waitForModel(registry, ['0', '1'], model.version);

        let producing = true;
        const produced = produceWordsUntil(kafka, admin, job, () => !producing, { pauseMs: 50, backlog: 20_000 });
        await waitForProgress(admin, job.group, job.words, 20_000);

        // Freeze '0' mid-stream; its relaunch (same container id, its own state dir: another host) waits
        // for the frozen one's session to end, then claims, restores and runs its tasks.
        zombie.kill('SIGSTOP');
        const relaunch = startContainer(job, '0', { zookeeper: zkConnect(), stateDir: join(stateRoot, 'relaunch') });
        // The frozen one stays registered until its session expires: wait for the relaunch's own registration.
        const deadline = Date.now() + 120_000;
        while (
          !(await registry.list()).some((found) => found.id === '0' && found.pid === relaunch.pid && found.modelVersion === model.version)
        ) {
          assert.ok(Date.now() < deadline, "the relaunch runs on the model within 120 s (the frozen one's session expired)");
          await sleep(100);
        }
        await waitForProgress(admin, job.group, job.words, 20_000);

        // Thaw the zombie while input keeps arriving, and let it do whatever it still does.
        zombie.kill('SIGCONT');
        const abandonBy = Date.now() + 60_000;
        while (!logMessages(await readFile(containerLog(job, '0'), 'utf8')).some((message) => /without a commit/.test(message))) {
          assert.ok(Date.now() < abandonBy, 'the thawed zombie abandons its tasks without a commit within 60 s');
          await sleep(200);
        }
        await waitForProgress(admin, job.group, job.words, 20_000);
        producing = false;
        const expected = await produced;

        await waitForCheckpointsAtEnd(admin, job, 120_000);
        zombie.kill('SIGKILL'); // it waits to claim its tasks again, which the relaunch holds
        for (const child of [relaunch, other]) child.kill('SIGTERM');
        assert.deepEqual(await Promise.all([relaunch, other].map(exitOf)), [0, 0], 'the relaunch and the other container exit cleanly');

        await assertExactCounts(kafka, admin, job, model, expected, guarantee);
      },
    );
  });
