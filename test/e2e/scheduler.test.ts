import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKafka } from '../../shared/kafka/client.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import { SchedulerService } from '../../scheduler/scheduler-service.js';
import { startSchedulerHttp } from '../../scheduler/http/server.js';
import { kafkaBrokers, zkConnect } from '../infra/services.js';
import { produceWords, readTopic, waitForCheckpointsAtEnd, wordCountJob } from '../integration/container/harness.js';
import { frameworkOptions } from '../unit/scheduler/http/helpers/word-count-on-mini-mesos.js';
import { startCluster } from '../unit/mini-mesos/helpers/cluster.js';

setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'warn');

interface JobView {
  leader: boolean;
  frameworkId: string | null;
  jobModelVersion: number | null;
  containers: { id: string; state: string; taskId?: string; host?: string }[];
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
    const options = await frameworkOptions(job, mesos.masterUrl, { resources: { cpus: 0.4, memMb: 256, diskMb: 16, ports: 0 } });
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
    const relaunched = await waitForView(
      firstHttp.url,
      'container 0 relaunched',
      (view) => allRunning(view) && view.containers.find((c) => c.id === '0')?.taskId !== victim.taskId,
    );
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
