import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadJobConfig } from '../../shared/config/job-config.js';
import { createKafka } from '../../shared/kafka/client.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import { DEFAULT_PLANNER_TIMINGS } from '../../scheduler/planner/index.js';
import type { FrameworkOptions } from '../../scheduler/framework/framework-options.js';
import { SchedulerService } from '../../scheduler/scheduler-service.js';
import { startSchedulerHttp } from '../../scheduler/http/server.js';
import { kafkaBrokers, zkConnect } from '../infra/services.js';
import { produceWords, readTopic, repo, waitForCheckpointsAtEnd, wordCountJob, type WordCountJob } from '../integration/container/harness.js';
import { startCluster } from '../unit/mini-mesos/helpers/cluster.js';

setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'warn');
const TSX_LOADER = import.meta.resolve('tsx');

interface JobView {
  leader: boolean;
  frameworkId: string | null;
  jobModelVersion: number | null;
  containers: { id: string; state: string; taskId?: string; host?: string }[];
}

async function frameworkOptions(job: WordCountJob, masterUrl: string): Promise<FrameworkOptions> {
  // The Mesos fetcher needs a bundle; the executors run from this checkout, so any file will do.
  const bundle = join(dirname(job.configFile), 'bundle.txt');
  await writeFile(bundle, 'the tests run sluice from the repository\n');
  const command = ['SLUICE_LOG_LEVEL=warn', `'${process.execPath}'`, '--import', `'${TSX_LOADER}'`, `'${join(repo, 'bin/sluice.ts')}'`, 'executor'];
  return {
    config: await loadJobConfig(job.configFile),
    master: masterUrl,
    kafkaBrokers: kafkaBrokers(),
    role: 'sluice',
    principal: 'sluice',
    user: os.userInfo().username,
    failoverTimeoutSeconds: 3600,
    resources: { cpus: 0.4, memMb: 256, diskMb: 16, ports: 0 },
    storage: { kind: 'persistent-volume', sizeMb: 64, containerPath: 'state' },
    timings: { ...DEFAULT_PLANNER_TIMINGS, localityWaitMs: 3_000, backoffInitialMs: 200, backoffMaxMs: 2_000, declineShortSeconds: 1, declineLongSeconds: 5 },
    launch: { bundleUri: bundle, executorCommand: command.join(' '), jobConfig: job.configFile, zookeeper: zkConnect(), kafkaBrokers: kafkaBrokers().join(',') },
    reviveMinIntervalMs: 200,
    reconcile: { initialMs: 500, maxMs: 2_000, implicitEveryMs: 60_000 },
    subscribeBackoff: { initialMs: 100, maxMs: 1_000 },
  };
}

async function jobView(url: string): Promise<JobView> {
  const response = await fetch(`${url}/api/v1/job`);
  assert.equal(response.status, 200);
  return (await response.json()) as JobView;
}

/** Polls the scheduler's API until `done` holds; fails with the last view after `timeoutMs`. */
async function waitForView(url: string, what: string, done: (view: JobView) => boolean, timeoutMs = 60_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  let view = await jobView(url);
  while (!done(view)) {
    if (Date.now() > deadline) assert.fail(`${what} not within ${timeoutMs} ms; last view: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    view = await jobView(url);
  }
  return view;
}

const allRunning = (view: JobView): boolean => view.containers.length === 2 && view.containers.every((c) => c.state === 'running');

describe('the Sluice scheduler on the mini Mesos', { timeout: 180_000 }, () => {
  it('launches the job, counts exactly, relaunches a killed executor, and a standby takes over as the same framework', async (t) => {
    const started = Date.now();
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'scheduler-e2e' });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const job = await wordCountJob(4);
    await ensureTopic(admin, { topic: job.words, partitions: 4, compacted: false, purpose: 'test input' });
    const model = await produceWords(kafka, job.words, 10_000, 5);

    const mesos = await startCluster(t, { agents: 2, heartbeatIntervalMs: 500 });
    const options = await frameworkOptions(job, mesos.masterUrl);
    const first = new SchedulerService({ framework: options, zookeeper: zkConnect(), candidate: 'first' }).start();
    t.after(() => first.stop());
    const firstHttp = await startSchedulerHttp(job.name, first, { port: 0 });
    t.after(() => firstHttp.close());
    await waitForView(firstHttp.url, 'the first scheduler leads', (view) => view.leader);
    const standby = new SchedulerService({ framework: options, zookeeper: zkConnect(), candidate: 'standby' }).start();
    t.after(() => standby.stop());
    const standbyHttp = await startSchedulerHttp(job.name, standby, { port: 0 });
    t.after(() => standbyHttp.close());

    const running = await waitForView(firstHttp.url, 'both containers running', allRunning);
    assert.ok(running.frameworkId);
    assert.equal(running.jobModelVersion, 1);
    const health = (await (await fetch(`${standbyHttp.url}/health`)).json()) as { status: string; role: string };
    assert.deepEqual([health.status, health.role], ['ok', 'standby']);

    await waitForCheckpointsAtEnd(admin, job, 90_000);
    const changelog = await readTopic(kafka, admin, job.changelog);
    for (const [word, count] of model) assert.equal(Number(changelog.get(word)?.at(-1)), count, `stored count of ${word}`);
    const counted = Date.now();

    const victim = running.containers.find((c) => c.id === '0');
    assert.ok(victim?.taskId);
    mesos.killExecutor(victim.taskId);
    const relaunched = await waitForView(firstHttp.url, 'container 0 relaunched', (view) => allRunning(view) && view.containers.find((c) => c.id === '0')?.taskId !== victim.taskId);
    assert.equal(relaunched.containers.find((c) => c.id === '0')?.host, victim.host, 'relaunched where its volume is');
    assert.equal(mesos.state().volumes.length, 2, 'the volumes were kept, none added');
    const relaunchedAt = Date.now();

    await first.stop();
    const takenOver = await waitForView(standbyHttp.url, 'the standby leads', (view) => view.leader && allRunning(view), 60_000);
    assert.equal(takenOver.frameworkId, running.frameworkId, 'the same framework');
    assert.deepEqual(
      takenOver.containers.map((c) => c.taskId),
      relaunched.containers.map((c) => c.taskId),
      'the tasks were kept across the scheduler failover',
    );
    const metrics = await (await fetch(`${standbyHttp.url}/metrics`)).text();
    assert.match(metrics, /sluice_scheduler_containers\{job="[^"]+",state="running"\} 2/);
    assert.match(metrics, /sluice_scheduler_task_updates_total\{[^}]*state="TASK_FAILED"\} [1-9]/);
    // Timings, for the report.
    t.diagnostic(`counted at ${counted - started} ms, relaunched at ${relaunchedAt - started} ms, failover at ${Date.now() - started} ms`);
  });
});
