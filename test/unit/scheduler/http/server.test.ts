import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ContainerStatusReport } from '../../../../shared/config/executor-contract.js';
import { SluiceError } from '../../../../shared/errors.js';
import { startSchedulerHttp, type SchedulerHttpOptions } from '../../../../scheduler/http/server.js';
import { fakeScheduler, RUNNING_STATUS, type FakeScheduler } from './helpers/fake-service.js';

async function serve(t: TestContext, fake: FakeScheduler, options: Partial<SchedulerHttpOptions> = {}): Promise<string> {
  const http = await startSchedulerHttp('wc', fake.service, { port: 0, ...options });
  t.after(() => http.close());
  return http.url;
}

function rescale(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/v1/rescale`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
}

describe('the scheduler HTTP API: rescale, job removal, tokens, container reports, the dashboard', () => {
  it('rescales the job and answers the new job model version', async (t) => {
    const fake = fakeScheduler();
    const url = await serve(t, fake);
    const response = await rescale(url, '{"containers": 3}');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { job: 'wc', containers: 3, jobModelVersion: 4 });
    assert.deepEqual(fake.rescales, [3]);
  });

  it('refuses a rescale body that is not a whole number of containers ≥ 1, saying what it expects', async (t) => {
    const fake = fakeScheduler();
    const url = await serve(t, fake);
    for (const [body, said] of [
      ['three', /the body is not JSON; expected a JSON body like \{"containers": 3\}/],
      ['{}', /containers is missing; expected/],
      ['{"containers": 0}', /containers is 0; expected .* whole number of containers ≥ 1/],
      ['{"containers": 1.5}', /containers is 1.5;/],
      ['{"containers": "3"}', /containers is "3";/],
      ['[3]', /containers is missing;/],
    ] as const) {
      const response = await rescale(url, body);
      assert.equal(response.status, 400, body);
      assert.match(((await response.json()) as { error: string }).error, said);
    }
    assert.deepEqual(fake.rescales, []);
  });

  it("answers a rescale the job cannot take with 400 and the framework's reason", async (t) => {
    const error = new SluiceError(
      'MODEL_TOO_MANY_CONTAINERS',
      '5 containers for 4 tasks would leave a container idle; set the container count to at most 4',
    );
    const url = await serve(t, fakeScheduler({ rescaleError: error }));
    const response = await rescale(url, '{"containers": 5}');
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: error.message, code: 'MODEL_TOO_MANY_CONTAINERS' });
  });

  it('removes the job on DELETE /api/v1/job', async (t) => {
    const fake = fakeScheduler();
    const url = await serve(t, fake);
    const response = await fetch(`${url}/api/v1/job`, { method: 'DELETE' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { job: 'wc', removed: true });
    assert.equal(fake.removals, 1);
  });

  it('answers health, the job state and metrics, and refuses other paths and methods', async (t) => {
    const url = await serve(t, fakeScheduler());
    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', role: 'leader', zookeeper: 'connected' });
    const job = (await (await fetch(`${url}/api/v1/job`)).json()) as Record<string, unknown>;
    assert.deepEqual(job, {
      job: 'wc',
      leader: true,
      frameworkId: 'fw-1',
      subscribed: true,
      jobModelVersion: 3,
      containers: RUNNING_STATUS.containers,
      errors: [],
    });
    const metrics = await fetch(`${url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /sluice_process_cpu/);
    assert.equal((await fetch(`${url}/nope`)).status, 404);
    assert.equal((await fetch(`${url}/health`, { method: 'POST' })).status, 405);
  });

  it('a standby is healthy, shows no framework, answers mutations with 503 and does nothing', async (t) => {
    const fake = fakeScheduler({ role: 'standby' });
    const url = await serve(t, fake);
    assert.deepEqual(await (await fetch(`${url}/health`)).json(), { status: 'ok', role: 'standby', zookeeper: 'connected' });
    const job = (await (await fetch(`${url}/api/v1/job`)).json()) as Record<string, unknown>;
    assert.deepEqual([job.leader, job.frameworkId, job.containers, 'leaderApi' in job], [false, null, [], false]);
    const response = await rescale(url, '{"containers": 2}');
    assert.equal(response.status, 503);
    assert.match(((await response.json()) as { error: string }).error, /standby; send the request to the leading scheduler of the job/);
    assert.equal((await fetch(`${url}/api/v1/job`, { method: 'DELETE' })).status, 503);
    assert.deepEqual([fake.rescales, fake.removals], [[], 0]);
  });

  it("a standby names the leader's API when the leader advertised it", async (t) => {
    const url = await serve(t, fakeScheduler({ role: 'standby', leaderApi: 'http://10.0.0.7:8080' }));
    const response = await rescale(url, '{"containers": 2}');
    assert.equal(response.status, 503);
    const body = (await response.json()) as { error: string; leaderApi: string };
    assert.equal(body.leaderApi, 'http://10.0.0.7:8080');
    assert.match(body.error, /send the request to the leading scheduler at http:\/\/10\.0\.0\.7:8080/);
    assert.equal(((await (await fetch(`${url}/api/v1/job`)).json()) as { leaderApi: string }).leaderApi, 'http://10.0.0.7:8080');
  });

  it('with a write token only, mutations need it as a Bearer header (401 with a challenge otherwise) and reads stay open', async (t) => {
    const fake = fakeScheduler();
    const url = await serve(t, fake, { tokens: { write: 's3cret' } });
    const refused: Record<string, string>[] = [{}, { Authorization: 'Bearer wrong' }, { Authorization: 's3cret' }];
    for (const headers of refused) {
      const response = await rescale(url, '{"containers": 2}', headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="sluice-scheduler"');
      assert.match(
        ((await response.json()) as { error: string }).error,
        /needs the write token: send the header 'Authorization: Bearer <token>'/,
      );
    }
    assert.equal((await fetch(`${url}/api/v1/job`, { method: 'DELETE' })).status, 401);
    assert.deepEqual([fake.rescales, fake.removals], [[], 0]);

    assert.equal((await rescale(url, '{"containers": 2}', { Authorization: 'Bearer s3cret' })).status, 200);
    assert.equal((await fetch(`${url}/api/v1/job`, { method: 'DELETE', headers: { Authorization: 'Bearer s3cret' } })).status, 200);
    assert.deepEqual([fake.rescales, fake.removals], [[2], 1]);
    for (const path of ['/health', '/api/v1/job', '/metrics', '/']) assert.equal((await fetch(`${url}${path}`)).status, 200, path);
  });

  it('names the allowed methods on a 405, refuses oversized bodies, and ignores query strings', async (t) => {
    const url = await serve(t, fakeScheduler());
    const wrongMethod = await fetch(`${url}/api/v1/rescale`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    assert.equal((await fetch(`${url}/api/v1/job`, { method: 'PUT' })).headers.get('allow'), 'GET, DELETE');
    assert.equal((await rescale(url, `{"containers": 2, "pad": "${'x'.repeat(20_000)}"}`)).status, 413);
    assert.equal((await fetch(`${url}/api/v1/job?pretty=1`)).status, 200);
  });

  it("merges each container's report into the job state, and shows none when the reports cannot be read", async (t) => {
    const report: ContainerStatusReport = {
      container: '0',
      jobModelVersion: 3,
      tasks: [{ name: 'Partition 0', state: 'running', processed: 12, lag: 3, restore: null }],
      processedTotal: 12,
      at: 1_700_000_000_000,
    };
    const url = await serve(t, fakeScheduler(), { containerStatus: async () => new Map([['0', report]]) });
    const job = (await (await fetch(`${url}/api/v1/job`)).json()) as { containers: unknown[] };
    assert.deepEqual(job.containers, [{ ...RUNNING_STATUS.containers[0], status: report }, RUNNING_STATUS.containers[1]]);

    const failing = await serve(t, fakeScheduler(), { containerStatus: () => Promise.reject(new Error('ZooKeeper is away')) });
    const withoutReports = (await (await fetch(`${failing}/api/v1/job`)).json()) as { containers: unknown[] };
    assert.deepEqual(withoutReports.containers, RUNNING_STATUS.containers);
  });

  it('asks the executors once for any number of concurrent viewers, and again once the reports are a second old', async (t) => {
    let reads = 0;
    const url = await serve(t, fakeScheduler(), {
      containerStatus: async () => {
        reads += 1;
        await new Promise((resolve) => setTimeout(resolve, 50)); // executors take a moment to answer
        return new Map();
      },
    });
    await Promise.all(Array.from({ length: 10 }, () => fetch(`${url}/api/v1/job`).then((response) => response.json())));
    await fetch(`${url}/api/v1/job`);
    assert.equal(reads, 1, 'ten at once, then one more within the second: one read');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await fetch(`${url}/api/v1/job`);
    assert.equal(reads, 2);
  });

  it('serves the dashboard as one self-contained page that may load nothing from elsewhere', async (t) => {
    const url = await serve(t, fakeScheduler());
    const response = await fetch(`${url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(
      response.headers.get('content-security-policy'),
      "default-src 'none'; connect-src 'self'; script-src 'self'; style-src 'self'; img-src data:",
    );
    const page = await response.text();
    assert.match(page, /<script src="dashboard.js"><\/script>/);
    assert.match(page, /<link rel="stylesheet" href="dashboard.css">/);
    assert.doesNotMatch(page, /<script>|<style>|\son[a-z]+=/, 'no inline script or style, which the policy would block');
    const script = await fetch(`${url}/dashboard.js`);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await script.text(), /fetch\('api\/v1\/job', \{ headers: headers \}\)/);
    const style = await fetch(`${url}/dashboard.css`);
    assert.match(style.headers.get('content-type') ?? '', /^text\/css/);
    for (const text of [page, await style.text()])
      assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no external assets');
  });
});
