import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { jobRoot } from '../../shared/coordination/layout.js';
import { ZkClient } from '../../shared/coordination/zk-client.js';
import { createKafka } from '../../shared/kafka/client.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import type { FrameworkOptions } from '../../scheduler/framework/framework-options.js';
import type { FrameworkStatus } from '../../scheduler/framework/framework-status.js';
import { SchedulerService } from '../../scheduler/scheduler-service.js';
import { kafkaBrokers, zkConnect } from '../infra/services.js';
import { wordCountJob } from '../integration/container/harness.js';
import { frameworkOptions } from '../unit/scheduler/http/helpers/word-count-on-mini-mesos.js';
import { startCluster } from '../unit/mini-mesos/helpers/cluster.js';
import { startService, until } from './helpers/scheduler-service.js';

setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'error');

/** The word-count job on persistent volumes, run by the real executor from this checkout. */
async function jobOptions(t: TestContext, master: string, overrides: Partial<FrameworkOptions> = {}): Promise<FrameworkOptions> {
  const job = await wordCountJob(2);
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'job-removal-e2e' });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await ensureTopic(admin, { topic: job.words, partitions: 2, compacted: false, purpose: 'test input' });
  return frameworkOptions(job, master, { resources: { cpus: 0.4, memMb: 256, diskMb: 16, ports: 0 }, ...overrides });
}

const bothRunning = (service: SchedulerService) => (): FrameworkStatus | undefined => {
  const status = service.framework?.status();
  return status?.containers.length === 2 && status.containers.every((c) => c.state === 'running') ? status : undefined;
};

async function jobNodes(t: TestContext, job: string): Promise<string[]> {
  const zk = new ZkClient({ connect: zkConnect(), sessionTimeoutMs: 10_000, callTimeoutMs: 5_000 });
  t.after(() => zk.close());
  return zk.getChildren(jobRoot(job));
}

describe('removing a job on the mini Mesos', { timeout: 150_000 }, () => {
  it('stops every container cleanly, destroys its volumes and unreserves its resources, then tears down', async (t) => {
    const mesos = await startCluster(t, { agents: 2, heartbeatIntervalMs: 500 });
    const options = await jobOptions(t, mesos.masterUrl);
    const service = startService(t, options);
    const running = await until('both containers running', bothRunning(service), 90_000);
    const before = mesos.state();
    assert.equal(before.volumes.length, 2, 'one volume per container');
    assert.equal(before.reservations.length, 6, 'cpus, mem and scratch disk of each container');
    const framework = service.framework;
    assert.ok(framework !== undefined);

    const started = Date.now();
    await framework.remove();
    const tookMs = Date.now() - started;
    const after = mesos.state();
    assert.deepEqual(after.reservations, [], 'no reservation left');
    assert.deepEqual(after.volumes, [], 'no volume left');
    for (const volume of before.volumes) assert.equal(existsSync(volume.path), false, `${volume.path} deleted`);
    assert.deepEqual(after.removedFrameworks, [running.frameworkId]);
    const ended = after.completedTasks.filter((task) => running.containers.some((c) => c.taskId === task.taskId));
    assert.deepEqual(
      ended.map((task) => task.state),
      ['TASK_KILLED', 'TASK_KILLED'],
      'killed (a clean stop) before the TEARDOWN',
    );
    assert.deepEqual(await jobNodes(t, options.config.name), ['leader']);
    assert.ok(tookMs < 30_000, `removal took ${tookMs} ms`);
    t.diagnostic(`removal took ${tookMs} ms`);
  });

  it('waits at most removeTimeoutMs for an agent that never offers, then tears down anyway', async (t) => {
    const mesos = await startCluster(t, { agents: 2, heartbeatIntervalMs: 500 });
    // A long locality wait keeps the lost container waiting for its agent, so its reservation stays recorded there.
    const options = await jobOptions(t, mesos.masterUrl, { removeTimeoutMs: 4_000 });
    const service = startService(t, { ...options, timings: { ...options.timings, localityWaitMs: 120_000 } });
    const running = await until('both containers running', bothRunning(service), 90_000);
    const lost = running.containers.find((c) => c.id === '1');
    const lostAgent = mesos.state().tasks.find((task) => task.taskId === lost?.taskId)?.agentId;
    assert.ok(lostAgent !== undefined);
    const before = mesos.state();
    mesos.loseAgent(lostAgent);
    await until(
      'container 1 failed',
      () => (service.framework?.status().containers.find((c) => c.id === '1')?.state === 'failed' ? true : undefined),
      10_000,
    );

    const started = Date.now();
    await service.framework?.remove();
    const tookMs = Date.now() - started;
    const after = mesos.state();
    assert.ok(tookMs >= 4_000 && tookMs < 15_000, `removal took ${tookMs} ms`);
    assert.deepEqual(
      [...new Set(after.reservations.map((r) => r.agentId))],
      [lostAgent],
      'only the unreachable agent keeps its reservation',
    );
    const onLostAgent = before.tasks.filter((task) => task.agentId === lostAgent).length;
    assert.deepEqual(
      after.volumes.map((v) => v.agentId),
      Array<string>(onLostAgent).fill(lostAgent),
      'the volumes on the unreachable agent stay, the others are destroyed',
    );
    assert.deepEqual(after.removedFrameworks, [running.frameworkId]);
    // The executors behind the partition still run (Mesos shuts them down when their agent comes back) and register again.
    assert.deepEqual(
      (await jobNodes(t, options.config.name)).filter((node) => node !== 'containers'),
      ['leader'],
    );
    t.diagnostic(`removal gave up after ${tookMs} ms`);
  });
});
