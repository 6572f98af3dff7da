import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ContainerStatusReport } from '../../../shared/config/executor-contract.js';
import { startSchedulerHttp, type SchedulerHttpOptions } from '../../../scheduler/http/server.js';
import { freePort } from '../../../dev/services/net.js';
import type { FrameworkStatus } from '../../../scheduler/framework/framework-status.js';
import { fakeScheduler, RUNNING_STATUS, type FakeScheduler } from '../scheduler/http/helpers/fake-service.js';
import { runSluice } from '../scheduler/http/helpers/run-sluice.js';

async function serve(t: TestContext, fake: FakeScheduler, options: Partial<SchedulerHttpOptions> = {}): Promise<string> {
  const http = await startSchedulerHttp('wc', fake.service, { port: 0, ...options });
  t.after(() => http.close());
  return http.url;
}

const REPORT: ContainerStatusReport = {
  container: '0',
  jobModelVersion: 3,
  tasks: [
    { name: 'Partition 0', state: 'running', processed: 1234, lag: 5, restore: { done: 40, total: 40, rebuilt: false } },
    { name: 'Partition 2', state: 'restoring', processed: 0, lag: null, restore: { done: 10, total: 40, rebuilt: true } },
  ],
  processedTotal: 1234,
  at: 1_700_000_000_000,
  standbys: [
    { name: 'Partition 1', lag: 12, caughtUpAt: 1_700_000_000_000 },
    { name: 'Partition 3', lag: null, caughtUpAt: null },
  ],
};

describe('sluice status', () => {
  it('prints the leader, framework, job model version, each container with host, state, tasks and standbys, and errors', async (t) => {
    const url = await serve(t, fakeScheduler(), { containerStatus: async () => new Map([['0', REPORT]]) });
    const result = await runSluice(['status', '--scheduler', url]);
    assert.equal(result.code, 0, result.err);
    assert.equal(
      result.out,
      [
        'job wc: leader, framework fw-1 (subscribed), job model version 3',
        'containers: 2',
        '  container 0  running  host 127.0.0.2  Mesos task wc.0.a  failures 0',
        '    task         state      processed  lag  restore',
        '    Partition 0  running    1,234      5    40/40 (100%, tail)',
        '    Partition 2  restoring  0          —    10/40 (25%, rebuilt)',
        '    standbys: Partition 1 (lag 12), Partition 3 (lag —)',
        '  container 1  launching  host 127.0.0.3  Mesos task wc.1.b  failures 1',
        '    tasks: — (no report from this container yet)',
        'errors: none',
        '',
      ].join('\n'),
    );
  });

  it('shows the last failure of a failing container, that it is away, and its job error, what it is and when it runs next', async (t) => {
    const lastFailure = {
      agentId: 'S2',
      hostname: '127.0.0.3',
      onAgent: 3,
      cause: { state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor terminated' },
    };
    const message =
      "container 1 of job 'wc' failed 4 times in a row, the last on agent S2 ('127.0.0.3'): TASK_FAILED (REASON_EXECUTOR_TERMINATED): " +
      'Executor terminated; it is relaunched, next attempt due at 2023-11-14T22:13:28.000Z (backoff 8 s)';
    const status: FrameworkStatus = {
      ...RUNNING_STATUS,
      containers: [
        RUNNING_STATUS.containers[0]!,
        { id: '1', state: 'failed', failures: 4, taskId: 'wc.1.d', host: '127.0.0.3', lastFailure, away: true },
      ],
      errors: [{ code: 'CONTAINER_FAILING', container: '1', message, failures: 4, nextAttemptAt: 1_700_000_008_000, lastFailure }],
    };
    const url = await serve(t, fakeScheduler({ status }));
    const result = await runSluice(['status', '--scheduler', url]);
    assert.equal(result.code, 0, result.err);
    assert.equal(
      result.out.split('\n').slice(4).join('\n'),
      [
        '  container 1  failed  host 127.0.0.3  Mesos task wc.1.d  failures 4',
        '    last failure: agent S2 (127.0.0.3, 3 in a row there): TASK_FAILED (REASON_EXECUTOR_TERMINATED): Executor terminated',
        '    away: lost with its agent; its tasks run from their standbys until its own copies catch up',
        '    tasks: — (no report from this container yet)',
        'errors:',
        `  CONTAINER_FAILING: ${message}`,
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await runSluice(['status', '--json', '--scheduler', url])).out) as {
      errors: unknown[];
      containers: unknown[];
    };
    assert.deepEqual([json.errors, json.containers[1]], [status.errors, status.containers[1]]);
  });

  it("--json prints the API's job state; SLUICE_SCHEDULER stands in for --scheduler", async (t) => {
    const url = await serve(t, fakeScheduler());
    const result = await runSluice(['status', '--json'], { SLUICE_SCHEDULER: url });
    assert.equal(result.code, 0, result.err);
    const job = JSON.parse(result.out) as { job: string; jobModelVersion: number; containers: unknown[] };
    assert.deepEqual([job.job, job.jobModelVersion, job.containers.length], ['wc', 3, 2]);
  });

  it('says when the scheduler is a standby', async (t) => {
    const url = await serve(t, fakeScheduler({ role: 'standby' }));
    const result = await runSluice(['status', '--scheduler', url]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /job wc: this scheduler is a standby; the leading scheduler shows the job/);
    const pointing = await serve(t, fakeScheduler({ role: 'standby', leaderApi: 'http://10.0.0.7:8080' }));
    const hinted = await runSluice(['status', '--scheduler', pointing]);
    assert.match(hinted.out, /standby; the leader is at http:\/\/10\.0\.0\.7:8080: sluice status --scheduler http:\/\/10\.0\.0\.7:8080/);
  });

  it('exits 2 on bad arguments, and 1 with what to do when no scheduler answers', async () => {
    const missing = await runSluice(['status']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--scheduler is required \(or set SLUICE_SCHEDULER\)/);
    const badUrl = await runSluice(['status', '--scheduler', '127.0.0.1:8080']);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.err, /--scheduler expects http\(s\):\/\/host:port, got '127.0.0.1:8080'/);
    const extra = await runSluice(['status', 'word-count', '--scheduler', 'http://127.0.0.1:1']);
    assert.equal(extra.code, 2);
    assert.match(extra.err, /unexpected argument 'word-count'/);
    const url = `http://127.0.0.1:${await freePort()}`;
    const refused = await runSluice(['status', '--scheduler', url]);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.err,
      `sluice status: cannot reach the scheduler at ${url} (connection refused): is the scheduler running at ${url}? [SCHEDULER_UNREACHABLE]\n`,
    );
  });
});
