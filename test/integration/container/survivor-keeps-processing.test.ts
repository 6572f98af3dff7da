/**
 * A container whose neighbour dies or restarts keeps processing (issue #16): its input fetches its
 * own partitions without a consumer group, so the group's rebalances (the dead member leaving, the
 * relaunch joining) stop no fetch. Two container processes follow the job model in ZooKeeper; input
 * keeps arriving on every partition; container '1' is SIGKILLed and relaunched at once, then
 * stopped with SIGTERM and started again. Container '0''s processed count, sampled every 50 ms
 * through its status endpoint, must keep moving throughout.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { ContainerRegistry } from '../../../shared/coordination/container-registry.js';
import type { ContainerStatusReport } from '../../../shared/config/executor-contract.js';
import { GUARANTEES } from '../../../shared/config/job-config.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { kafkaBrokers, zkConnect } from '../../infra/services.js';
import {
  exitOf,
  killContainers,
  longestGap,
  sendUntilStopped,
  startContainer,
  waitForModel,
  waitForReport,
  wordCountJob,
} from './harness.js';
import { ModelPublisher } from './model-publisher.js';

setLogLevel('warn');

const PARTITIONS = 4;
/** Sampling period of the survivor's status. */
const SAMPLE_MS = 50;
/**
 * Longest the survivor's processed count may stand still: the bound of the framework e2e and the
 * rescale test (a loaded CI machine; quiet runs measured 0.2–0.5 s).
 */
const MAX_GAP_MS = 3_000;

/** 100 words to every partition every 50 ms (8,000 a second), whatever the job does, until stopped. */
function steadyInput(kafka: Kafka, topic: string): { stop(): Promise<void> } {
  return sendUntilStopped(kafka, topic, 50, (n) =>
    Array.from({ length: 100 * PARTITIONS }, (_, index) => ({
      partition: index % PARTITIONS,
      key: `w${(n * 7 + index) % 500}`,
      value: `w${(n * 7 + index) % 500}`,
    })),
  );
}

/** Samples container `id`'s total processed count every SAMPLE_MS until stopped: the times its count moved. */
function sampleProcessed(url: string): { stop(): Promise<number[]> } {
  let running = true;
  const moved: number[] = [];
  const done = (async () => {
    let last = -1;
    while (running) {
      const started = Date.now();
      try {
        const report = (await (await fetch(`${url}/status`)).json()) as ContainerStatusReport;
        const processed = report.tasks.reduce((sum, task) => sum + task.processed, 0);
        if (processed !== last) moved.push(started);
        last = processed;
      } catch {
        // A sample that fails counts as no movement: the gap spans it.
      }
      await sleep(Math.max(0, SAMPLE_MS - (Date.now() - started)));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return moved;
    },
  };
}

for (const guarantee of GUARANTEES)
  describe(`a container whose neighbour dies and restarts, ${guarantee}`, { timeout: 400_000 }, () => {
    it('keeps processing: its processed count never stands still for long', async (t) => {
      t.after(killContainers);
      const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'survivor-test' });
      const admin = kafka.admin();
      await admin.connect();
      t.after(() => admin.disconnect());
      const job = await wordCountJob(PARTITIONS, 300, { guarantee });
      await ensureTopic(admin, { topic: job.words, partitions: PARTITIONS, compacted: false, purpose: 'test input' });
      const publisher = await ModelPublisher.lead(job.configFile);
      t.after(() => publisher.close());
      const model = await publisher.publish(2);
      const stateRoot = await mkdtemp(join(tmpdir(), 'sluice-survivor-'));
      const start = (id: string) => startContainer(job, id, { zookeeper: zkConnect(), stateDir: join(stateRoot, id) });
      const survivor = start('0');
      let neighbour = start('1');
      const registry = new ContainerRegistry(publisher.zkSession, job.name);
      await waitForModel(registry, ['0', '1'], model.version);
      const input = steadyInput(kafka, job.words);
      t.after(() => input.stop());
      const tasksOf = (id: string) => (model.containers.find((container) => container.id === id)?.tasks ?? []).map((task) => task.name);
      /** Until process `pid` (any, when undefined) is registered as container `id` and processes on each of its tasks. */
      const processing = async (id: string, pid: number | undefined) => {
        const deadline = Date.now() + 120_000;
        while (pid !== undefined && !(await registry.list()).some((found) => found.id === id && found.pid === pid)) {
          assert.ok(Date.now() < deadline, `process ${pid} registers as container ${id} within 120 s`);
          await sleep(100);
        }
        await waitForReport(registry, id, 'processing on every task', (report) =>
          tasksOf(id).every((name) => (report.tasks.find((task) => task.name === name)?.processed ?? 0) > 0),
        );
      };
      await processing('0', undefined);
      await processing('1', undefined);
      const url = (await registry.list()).find((container) => container.id === '0')?.url;
      assert.ok(url, "the survivor's status endpoint is registered");
      const samples = sampleProcessed(url);
      await sleep(2000);

      // SIGKILL, relaunched at once: it waits for the dead process's ZooKeeper session, claims, restores and processes.
      const killedAt = Date.now();
      neighbour.kill('SIGKILL');
      assert.equal(await exitOf(neighbour), 'SIGKILL');
      neighbour = start('1');
      await processing('1', neighbour.pid);
      await sleep(3000);
      const killWindowEnd = Date.now();

      // A clean stop and a start: the member leaves, and joins again.
      neighbour.kill('SIGTERM');
      assert.equal(await exitOf(neighbour), 0);
      neighbour = start('1');
      await processing('1', neighbour.pid);
      await sleep(3000);
      const restartWindowEnd = Date.now();

      const moved = await samples.stop();
      await input.stop();
      const afterKill = longestGap(moved, killedAt, killWindowEnd);
      const afterRestart = longestGap(moved, killWindowEnd, restartWindowEnd);
      t.diagnostic(
        `${guarantee}: the survivor's processed count stood still at most ${afterKill} ms while its neighbour was SIGKILLed and relaunched ` +
          `(${killWindowEnd - killedAt} ms), at most ${afterRestart} ms while it was stopped and started (${restartWindowEnd - killWindowEnd} ms)`,
      );
      assert.ok(afterKill < MAX_GAP_MS, `the survivor stood still for ${afterKill} ms around its neighbour's SIGKILL and relaunch`);
      assert.ok(afterRestart < MAX_GAP_MS, `the survivor stood still for ${afterRestart} ms around its neighbour's restart`);

      for (const child of [survivor, neighbour]) child.kill('SIGTERM');
      assert.deepEqual(await Promise.all([survivor, neighbour].map(exitOf)), [0, 0], 'both exit cleanly');
    });
  });
