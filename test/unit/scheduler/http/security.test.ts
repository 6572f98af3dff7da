import assert from 'node:assert/strict';
import https from 'node:https';
import { describe, it, type TestContext } from 'node:test';
import { startSchedulerHttp, type SchedulerHttpOptions } from '../../../../scheduler/http/server.js';
import { setLogLevel } from '../../../../shared/log.js';
import { httpRequest } from '../../../../shared/http/http-request.js';
import { tlsFiles } from '../../../infra/tls-files.js';
import { fakeScheduler, type FakeScheduler } from './helpers/fake-service.js';

const READ = 'read-7f3a9c';
const WRITE = 'write-2b8e41';
const TOKENS = { read: READ, write: WRITE };

async function serve(t: TestContext, fake: FakeScheduler, options: Partial<SchedulerHttpOptions> = {}): Promise<string> {
  const http = await startSchedulerHttp('wc', fake.service, { port: 0, ...options });
  t.after(() => http.close());
  return http.url;
}

/** Each kind of route, and a request to it. */
const REQUESTS = {
  health: { method: 'GET', path: '/health' },
  dashboard: { method: 'GET', path: '/' },
  job: { method: 'GET', path: '/api/v1/job' },
  metrics: { method: 'GET', path: '/metrics' },
  store: { method: 'GET', path: '/api/v1/stores/counts/river' },
  rescale: { method: 'POST', path: '/api/v1/rescale', body: '{"containers": 2}' },
  remove: { method: 'DELETE', path: '/api/v1/job' },
} as const;

async function status(url: string, request: (typeof REQUESTS)[keyof typeof REQUESTS], token?: string): Promise<number> {
  const answer = await httpRequest(`${url}${request.path}`, {
    method: request.method,
    token,
    timeoutMs: 5_000,
    ...('body' in request ? { body: request.body, headers: { 'Content-Type': 'application/json' } } : {}),
  });
  return answer.status;
}

/** Everything the process writes to stderr (winston's console transport) while `during` runs. */
async function capturedLogs(during: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  setLogLevel('info');
  try {
    await during();
  } finally {
    process.stderr.write = write;
    setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'info');
  }
  return lines.join('');
}

describe('the scheduler API with a read and a write token, and over TLS', () => {
  it('answers 401 without a token, 403 for the read token on a mutation, and 200 for what each token may do', async (t) => {
    const fake = fakeScheduler();
    const url = await serve(t, fake, { tokens: TOKENS });
    // The store query gets past the token check: then the fake framework has no model (503), not a 401.
    const expected: Record<keyof typeof REQUESTS, [none: number, wrong: number, read: number, write: number]> = {
      health: [200, 200, 200, 200],
      dashboard: [200, 200, 200, 200],
      job: [401, 401, 200, 200],
      metrics: [401, 401, 200, 200],
      store: [401, 401, 503, 503],
      rescale: [401, 401, 403, 200],
      remove: [401, 401, 403, 200],
    };
    for (const [name, request] of Object.entries(REQUESTS) as [keyof typeof REQUESTS, (typeof REQUESTS)[keyof typeof REQUESTS]][]) {
      const got = [
        await status(url, request),
        await status(url, request, 'nope'),
        await status(url, request, READ),
        await status(url, request, WRITE),
      ];
      assert.deepEqual(got, expected[name], `${name}: no token, a wrong one, the read token, the write token`);
    }
    assert.deepEqual([fake.rescales, fake.removals], [[2], 1], 'only the write token changed the job');
  });

  it('says which token a refused request needs, with the Bearer challenge on a 401', async (t) => {
    const url = await serve(t, fakeScheduler(), { tokens: TOKENS });
    const read = await fetch(`${url}/api/v1/job`);
    assert.equal(read.headers.get('www-authenticate'), 'Bearer realm="sluice-scheduler"');
    assert.match(((await read.json()) as { error: string }).error, /GET \/api\/v1\/job needs the read token \(or the write token\)/);
    const forbidden = await fetch(`${url}/api/v1/rescale`, {
      method: 'POST',
      body: '{"containers": 2}',
      headers: { Authorization: `Bearer ${READ}` },
    });
    assert.equal(forbidden.status, 403);
    assert.match(((await forbidden.json()) as { error: string }).error, /needs the write token; the token sent is the read token/);
  });

  it('refuses to start with a read token and no write token', async () => {
    await assert.rejects(startSchedulerHttp('wc', fakeScheduler().service, { port: 0, tokens: { read: READ } }), /without a write token/);
  });

  it('logs every mutation, allowed or refused, with who and what and the answer, and never a token', async (t) => {
    const url = await serve(t, fakeScheduler(), { tokens: TOKENS });
    const logs = await capturedLogs(async () => {
      await status(url, REQUESTS.rescale, WRITE);
      await status(url, REQUESTS.rescale, READ);
      await status(url, REQUESTS.remove);
      await status(url, REQUESTS.job, READ);
    });
    const lines = logs
      .split('\n')
      .filter((line) => line.includes('API mutation'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      lines.map(({ message, what, token, status: answered, remote }) => ({ message, what, token, status: answered, remote })),
      [
        { message: 'API mutation', what: 'POST /api/v1/rescale', token: 'write', status: 200, remote: '127.0.0.1' },
        { message: 'API mutation refused', what: 'POST /api/v1/rescale', token: 'read', status: 403, remote: '127.0.0.1' },
        { message: 'API mutation refused', what: 'DELETE /api/v1/job', token: 'none', status: 401, remote: '127.0.0.1' },
      ],
      'one line per mutation, none for the read',
    );
    for (const line of lines) assert.match(String(line.timestamp), /^\d{4}-\d\d-\d\dT/, 'when');
    assert.doesNotMatch(logs, new RegExp(`${READ}|${WRITE}`), 'no token in any log line');
  });

  it('serves HTTPS with a certificate, trusted through its CA, and refuses plain HTTP', async (t) => {
    const tls = tlsFiles();
    const url = await serve(t, fakeScheduler(), { tls: { cert: tls.cert, key: tls.key }, tokens: TOKENS });
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const job = await httpRequest(`${url}/api/v1/job`, { ca: tls.ca, token: READ, timeoutMs: 5_000 });
    assert.equal(job.status, 200);
    assert.equal((JSON.parse(job.text) as { job: string }).job, 'wc');
    await assert.rejects(httpRequest(`${url}/health`, { timeoutMs: 5_000 }), /unable to verify the first certificate/);
    await assert.rejects(
      httpRequest(url.replace('https:', 'http:') + '/health', { timeoutMs: 5_000 }),
      (error: NodeJS.ErrnoException) =>
        ['ECONNRESET', 'HPE_INVALID_CONSTANT', 'EPROTO'].includes(String(error.code)) || /socket hang up/.test(error.message),
    );
    // The server is still fine after the refused plain-HTTP client.
    const health = await new Promise<number>((resolve, reject) =>
      https.get(`${url}/health`, { ca: tls.ca }, (response) => resolve(response.statusCode ?? 0)).on('error', reject),
    );
    assert.equal(health, 200);
  });
});
