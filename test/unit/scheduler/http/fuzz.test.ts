/**
 * Bad input at every door of the scheduler API: a few thousand seeded malformed requests over raw
 * sockets (odd methods and bytes, traversal and bad percent-encoding in paths, store names and keys,
 * huge and broken headers, huge and broken bodies), then slow and idle clients. Each gets a 4xx
 * naming the fault, a 2xx where it is valid, or a closed connection; the server stays up.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { compileJobConfig } from '../../../../shared/config/job-config.js';
import { planJobModel } from '../../../../shared/model/plan-job-model.js';
import { startSchedulerHttp, type SchedulerHttpOptions } from '../../../../scheduler/http/server.js';
import { dribble, exchange, fuzz, idleSockets } from '../../helpers/http-fuzz.js';
import { fakeScheduler } from './helpers/fake-service.js';

const CONFIG = compileJobConfig(
  {
    job: { name: 'wc', module: './wc.ts' },
    inputs: [{ topic: 'words' }],
    stores: { counts: { engine: 'memory' }, ids: { engine: 'memory', 'key-serde': 'int32' } },
  },
  '/tmp/wc.json',
);
const MODEL = planJobModel(undefined, [{ system: 'kafka', topic: 'words', partitionCount: 4 }], { job: 'wc', containerCount: 2 });

const PATHS = [
  '/',
  '/dashboard.js',
  '/dashboard.css',
  '/health',
  '/metrics',
  '/api/v1/job',
  '/api/v1/rescale',
  '/api/v1/stores/counts/word',
  '/api/v1/stores/ids/42',
  '/api/v1/stores',
  '/api',
];
const FAST = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 500, idleTimeoutMs: 1_000 };

async function serve(t: TestContext, options: Partial<SchedulerHttpOptions> = {}): Promise<{ url: string; port: number }> {
  const fake = fakeScheduler();
  // The fake framework plans the model above; the container registry (ZooKeeper) cannot be read behind it.
  Object.assign(fake.service.framework as object, { currentModel: () => ({ jobModel: MODEL, config: CONFIG }) });
  const http = await startSchedulerHttp('wc', fake.service, { port: 0, limits: FAST, ...options });
  t.after(() => http.close());
  return { url: http.url, port: Number(new URL(http.url).port) };
}

async function healthy(url: string): Promise<void> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
  assert.equal(response.status, 200, 'the scheduler answers /health');
  await response.arrayBuffer();
}

describe('the scheduler API under bad input', () => {
  for (const [name, token, seed] of [
    ['without a token', undefined, 18_006],
    ['with a token', 's3cret', 6_018],
  ] as const) {
    it(`answers 1,500 fuzzed requests ${name} with a 4xx naming the fault, a 2xx or a closed connection, never a 5xx`, async (t) => {
      const { url, port } = await serve(t, token === undefined ? {} : { tokens: { write: token } });
      const { result, failures } = await fuzz({
        port,
        paths: PATHS,
        seed,
        cases: 1_500,
        batch: 25,
        timeoutMs: 5_000,
        healthy: () => healthy(url),
        // The store query reaches the container registry only with a valid store and key: then 503, as without ZooKeeper.
        wrong: (status, answer) =>
          status >= 500 && !(status === 503 && answer.text.includes('the container registry cannot be read'))
            ? 'a server error for bad input'
            : undefined,
      });
      t.diagnostic(JSON.stringify(result));
      assert.deepEqual(failures.slice(0, 20), []);
      assert.ok(result.rssGrowthMb < 100, `RSS grew ${result.rssGrowthMb} MB`);
      assert.ok(result.heapGrowthMb < 20, `the heap grew ${result.heapGrowthMb} MB`);
    });
  }

  it('refuses a body over 16 KiB with 413 and closes the connection, its length declared or chunked; bytes past the length are a bad request', async (t) => {
    const { port } = await serve(t);
    const huge = Buffer.alloc(1_000_000, 'x');
    for (const length of [huge.length, 10]) {
      const head = `POST /api/v1/rescale HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`;
      const answer = await exchange(port, Buffer.concat([Buffer.from(head), huge]), 5_000);
      assert.equal(answer.timedOut, false, 'the connection is closed');
      // 10 bytes are the (non-JSON) body; the rest is read as the next request and refused.
      if (length === 10) assert.deepEqual([...new Set(answer.statuses)], [400], answer.text);
      else assert.deepEqual([answer.statuses, /over 16384 bytes/.test(answer.text)], [[413], true], answer.text);
    }
    const chunks = `4000\r\n${'x'.repeat(0x4000)}\r\n10\r\n${'x'.repeat(16)}\r\n0\r\n\r\n`;
    const chunked = `POST /api/v1/rescale HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}`;
    const answer = await exchange(port, Buffer.from(chunked), 5_000);
    assert.equal(answer.timedOut, false, 'the connection is closed');
    assert.deepEqual(answer.statuses, [413], answer.text);
  });

  it('answers a path that climbs out with 404, never a file', async (t) => {
    const { url } = await serve(t);
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/package.json', '/dashboard.js/..%2f..%2fserver.ts', '//etc/passwd']) {
      const answer = await exchange(
        Number(new URL(url).port),
        Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
        2_000,
      );
      assert.equal(answer.statuses[0], 404, `${path}: ${answer.text}`);
      assert.match(answer.text, /"error":"no such path: /);
    }
  });

  it('closes slow connections after the header or request timeout, idle ones after the idle timeout, and serves others meanwhile', async (t) => {
    const { url, port } = await serve(t);
    const idle = await idleSockets(port, 500);
    t.after(() => idle.sockets.forEach((socket) => socket.destroy()));
    // Client and server share this event loop: let the server accept them all before more connect (past the
    // listen backlog of 511 the kernel drops a SYN and the client resends it a second later).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const slowHeaders = Array.from({ length: 20 }, () =>
      dribble(port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'z'.repeat(100), 100),
    );
    const rescaleHead = 'POST /api/v1/rescale HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n';
    const slowBodies = Array.from({ length: 5 }, () => dribble(port, `{"containers": ${' '.repeat(90)}2}`, 100, rescaleHead));
    let slowBodiesClosed = 0;
    for (const body of slowBodies) void body.then(() => slowBodiesClosed++);
    await healthy(url);
    const rescale = await fetch(`${url}/api/v1/rescale`, { method: 'POST', body: '{"containers": 2}' });
    assert.equal(rescale.status, 200);
    assert.equal(slowBodiesClosed, 0, 'a healthy mutation is answered while the slow ones still dribble: it waits for none of them');
    // Each dribble needs over 10 s to send its text: a close well before that is the server's timeout
    // (checked about once a second, later on a loaded machine), never the client's end.
    for (const [dribbled, timeoutMs] of [
      [await Promise.all(slowHeaders), FAST.headersTimeoutMs],
      [await Promise.all(slowBodies), FAST.requestTimeoutMs],
    ] as const) {
      for (const { closedAfterMs, answer } of dribbled) {
        assert.ok(closedAfterMs >= timeoutMs - 50 && closedAfterMs < timeoutMs + 5_000, `closed after ${closedAfterMs} ms`);
        assert.match(answer, /^HTTP\/1\.1 408 .*"error":"the request was not received in time/s);
      }
    }
    assert.equal(await idle.allClosed(FAST.idleTimeoutMs + 10_000), 500, 'every idle connection is closed');
    await healthy(url);
  });
});
