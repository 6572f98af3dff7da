import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { createKafka } from '../../shared/kafka/client.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import { freePort } from '../../dev/services/net.js';
import { kafkaBrokers } from '../infra/services.js';
import { produceWords, waitForCheckpointsAtEnd, wordCountJob } from '../integration/container/harness.js';
import { startCluster } from '../unit/mini-mesos/helpers/cluster.js';
import { SLUICE, startSchedulerProcess, TSX_LOADER } from './helpers/scheduler-process.js';

setLogLevel('warn');

function sluice(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', TSX_LOADER, SLUICE, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('sluice scheduler', { timeout: 150_000 }, () => {
  it('prints its usage, and refuses bad arguments with exit code 2', () => {
    const help = sluice(['scheduler', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: sluice scheduler --config/);
    const missing = sluice(['scheduler', '--config', 'job.yaml']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--master is required/);
    const badMaster = sluice(['scheduler', '--config', 'job.yaml', '--master', 'mesos:5050', '--zk', 'z:1', '--bundle-uri', 'b']);
    assert.equal(badMaster.status, 2);
    assert.match(badMaster.stderr, /must be http:\/\/host:port or zk:\/\//);
  });

  it('runs the job on the mini Mesos with stores in a host dir, serves its API, and stops on SIGTERM', async (t) => {
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'scheduler-cli-e2e' });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const job = await wordCountJob(2);
    await ensureTopic(admin, { topic: job.words, partitions: 2, compacted: false, purpose: 'test input' });
    await produceWords(kafka, job.words, 2_000, 7);
    const bundle = join(dirname(job.configFile), 'bundle.txt');
    await writeFile(bundle, 'the tests run sluice from the repository\n');
    const mesos = await startCluster(t, { agents: 2 });
    const port = await freePort();

    const child = startSchedulerProcess(t, job, { masterUrl: mesos.masterUrl, port, volumeMb: 0, executorLogLevel: 'warn' });

    const api = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    let view: { leader?: boolean; containers?: { state: string }[] } = {};
    while (!(view.containers?.length === 2 && view.containers.every((c) => c.state === 'running'))) {
      assert.ok(Date.now() < deadline, `containers not running within 60 s; last view ${JSON.stringify(view)}`);
      assert.equal(child.exitCode, null, 'the scheduler is still running');
      await new Promise((resolve) => setTimeout(resolve, 250));
      view = await fetch(`${api}/api/v1/job`).then(
        (response) => response.json() as Promise<typeof view>,
        () => ({}),
      );
    }
    assert.equal(view.leader, true);
    const health = await fetch(`${api}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { role: string }).role, 'leader');
    await waitForCheckpointsAtEnd(admin, job, 60_000);

    child.kill('SIGTERM');
    assert.equal(await exitOf(child), 0);
  });
});
