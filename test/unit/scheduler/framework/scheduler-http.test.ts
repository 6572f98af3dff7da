import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FrameworkStatus } from '../../../../scheduler/framework/framework-status.js';
import { startSchedulerHttp } from '../../../../scheduler/http/server.js';
import type { SchedulerService } from '../../../../scheduler/scheduler-service.js';

/** Just what the HTTP API reads of a SchedulerService. */
function fakeService(role: 'leader' | 'standby', status?: FrameworkStatus): SchedulerService {
  return { role, session: { state: 'connected' }, framework: status === undefined ? undefined : { status: () => status } } as unknown as SchedulerService;
}

describe('the scheduler HTTP API', () => {
  it('answers health, the job state, metrics, and refuses other paths and methods', async (t) => {
    const status: FrameworkStatus = {
      frameworkId: 'fw-1',
      subscribed: true,
      jobModelVersion: 3,
      containers: [{ id: '0', state: 'running', failures: 0, taskId: 'wc.0.a', host: '127.0.0.2' }],
      errors: [],
    };
    const http = await startSchedulerHttp('wc', fakeService('leader', status), { port: 0 });
    t.after(() => http.close());
    const health = await fetch(`${http.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', role: 'leader', zookeeper: 'connected' });
    const job = (await (await fetch(`${http.url}/api/v1/job`)).json()) as Record<string, unknown>;
    assert.deepEqual(job, { job: 'wc', leader: true, frameworkId: 'fw-1', subscribed: true, jobModelVersion: 3, containers: status.containers, errors: [] });
    const metrics = await fetch(`${http.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /sluice_process_cpu/);
    assert.equal((await fetch(`${http.url}/nope`)).status, 404);
    assert.equal((await fetch(`${http.url}/health`, { method: 'POST' })).status, 405);
  });

  it('a standby is healthy and shows no framework', async (t) => {
    const http = await startSchedulerHttp('wc', fakeService('standby'), { port: 0 });
    t.after(() => http.close());
    assert.deepEqual(await (await fetch(`${http.url}/health`)).json(), { status: 'ok', role: 'standby', zookeeper: 'connected' });
    const job = (await (await fetch(`${http.url}/api/v1/job`)).json()) as Record<string, unknown>;
    assert.deepEqual([job.leader, job.frameworkId, job.containers], [false, null, []]);
  });
});
