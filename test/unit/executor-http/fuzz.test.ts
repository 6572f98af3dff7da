/**
 * Bad input at every door of a container's status server: a few thousand seeded malformed requests
 * over raw sockets (odd methods and bytes, traversal and bad percent-encoding in paths, store names,
 * keys and task names, huge and broken headers and bodies), then slow and idle clients. Each gets a
 * 4xx naming the fault, a 2xx where it is valid, or a closed connection; the server stays up.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { builtInSerdes } from '../../../shared/api/serdes.js';
import { TaskInstance, type TaskInstanceOptions } from '../../../executor/container/task-instance.js';
import { startStatusServer, type StatusListen } from '../../../executor/http/status-server.js';
import { httpRequest } from '../../../shared/http/http-request.js';
import { tlsFiles } from '../../infra/tls-files.js';
import { queryableTasks } from '../../../executor/http/store-query.js';
import type { LocalStore } from '../../../executor/store/local-store.js';
import { dribble, exchange, fuzz, idleSockets } from '../helpers/http-fuzz.js';
import { memoryStore } from '../store/store-fixture.js';

const PATHS = [
  '/status',
  '/metrics',
  '/stores/counts/word?task=Partition%200',
  '/stores/ids/42?task=Partition%200',
  '/stores/counts/word?task=Partition%201',
  '/stores/counts/word',
  '/stores',
];
const FAST = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 500, idleTimeoutMs: 1_000 };

async function serve(t: TestContext, security?: StatusListen['security']): Promise<{ url: string; port: number }> {
  const counts = memoryStore<string, unknown>({ keySerde: builtInSerdes.string, valueSerde: builtInSerdes.json }).store;
  const ids = memoryStore<number, string>({ keySerde: builtInSerdes.int32, valueSerde: builtInSerdes.string }).store;
  await counts.api.put('word', 3);
  await ids.api.put(42, 'answer');
  const stores = new Map(Object.entries({ counts, ids } as Record<string, LocalStore>));
  const options = { name: 'Partition 0', ssps: [], stores, labels: { job: 'wc', container: '0' } };
  const tasks = queryableTasks([new TaskInstance(options as unknown as TaskInstanceOptions, new Map())]);
  const report = () => ({ container: '0', jobModelVersion: 4, processedTotal: 0, at: 0, tasks: [] });
  const listen = { host: '127.0.0.1', port: 0, ...(security === undefined ? {} : { security }) };
  const server = await startStatusServer(report, listen, () => ({ container: '0', tasks, model: undefined }), FAST);
  t.after(() => server.close());
  return { url: server.url, port: Number(new URL(server.url).port) };
}

async function healthy(url: string): Promise<void> {
  const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2_000) });
  assert.equal(response.status, 200, 'the container answers /status');
  await response.arrayBuffer();
}

describe('a container status server under bad input', () => {
  it('answers 3,000 fuzzed requests with a 4xx naming the fault, a 2xx or a closed connection, never a 5xx', async (t) => {
    const { url, port } = await serve(t);
    const { result, failures } = await fuzz({
      port,
      paths: PATHS,
      seed: 18_060,
      cases: 3_000,
      batch: 25,
      timeoutMs: 5_000,
      healthy: () => healthy(url),
    });
    t.diagnostic(JSON.stringify(result));
    assert.deepEqual(failures.slice(0, 20), []);
    assert.ok(result.rssGrowthMb < 100, `RSS grew ${result.rssGrowthMb} MB`);
    assert.ok(result.heapGrowthMb < 20, `the heap grew ${result.heapGrowthMb} MB`);
  });

  it('over TLS with the read token required, answers 500 fuzzed requests with a 4xx or a closed connection, never a 5xx', async (t) => {
    const files = tlsFiles();
    const { url, port } = await serve(t, { tls: { cert: files.cert, key: files.key }, readToken: 'r34d' });
    const { result, failures } = await fuzz({
      port,
      tls: { ca: files.ca },
      paths: PATHS,
      seed: 18_061,
      cases: 500,
      // Handshakes cost CPU on both ends of this one process: fewer at once, more time on a loaded machine.
      batch: 10,
      timeoutMs: 10_000,
      healthy: async () => {
        const answer = await httpRequest(`${url}/status`, { ca: files.ca, token: 'r34d', timeoutMs: 2_000 });
        assert.equal(answer.status, 200, 'the container answers /status with the token');
      },
      // Nothing but a 400 for a target that is no path gets past the token check: no case carries it.
      wrong: (status) => (status === 401 || status === 400 || status === 431 || status === 408 ? undefined : `${status} without the token`),
    });
    t.diagnostic(JSON.stringify(result));
    assert.deepEqual(failures.slice(0, 20), []);
    assert.ok((result.statuses[401] ?? 0) > 0, 'requests without the token were refused');
  });

  it('answers a store query with odd bytes in the store, key and task with a 4xx naming them', async (t) => {
    const { url, port } = await serve(t);
    for (const [path, status, said] of [
      ['/stores/..%2f..%2fetc/passwd?task=Partition%200', 404, /task 'Partition 0' has no store '..\/..\/etc'/],
      ['/stores/counts/%00?task=Partition%200', 404, /key '\\u0000' is not in store 'counts'/],
      ['/stores/counts/%zz?task=Partition%200', 400, /is not validly percent-encoded/],
      ['/stores/ids/%c3%28?task=Partition%200', 400, /the path \/stores\/ids\/%c3%28 is not validly percent-encoded \(UTF-8/],
      ['/stores/ids/4%2e2?task=Partition%200', 400, /"code":"QUERY_KEY_INVALID"/],
      ['/stores/counts/word?task=%2e%2e', 404, /does not run task '\.\.'/],
      ['/stores/counts/word?task=%ff', 404, /"code":"QUERY_TASK_NOT_HERE"/],
      ['//status', 404, /no such path: \/\/status/],
    ] as const) {
      const answer = await exchange(port, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), 2_000);
      assert.equal(answer.statuses[0], status, `${path}: ${answer.text}`);
      assert.match(answer.text, said, path);
    }
    await healthy(url);
  });

  it('refuses other methods with 405 and closes the connection rather than read a body', async (t) => {
    const { port } = await serve(t);
    const head = `POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n`;
    const answer = await exchange(port, Buffer.concat([Buffer.from(head), Buffer.alloc(1_000_000, 'x')]), 5_000);
    assert.equal(answer.timedOut, false);
    assert.deepEqual(answer.statuses, [405], answer.text);
    assert.match(answer.text, /Allow: GET[\s\S]*"error":"POST is not allowed on \/status; allowed: GET"/);
  });

  it('closes slow connections after the header timeout, idle ones after the idle timeout, and serves others meanwhile', async (t) => {
    const { url, port } = await serve(t);
    const idle = await idleSockets(port, 500);
    t.after(() => idle.sockets.forEach((socket) => socket.destroy()));
    // Client and server share this event loop: let the server accept them all before more connect (past the
    // listen backlog of 511 the kernel drops a SYN and the client resends it a second later).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const slow = Array.from({ length: 20 }, () => dribble(port, 'GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'z'.repeat(100), 100));
    let slowClosed = 0;
    for (const connection of slow) void connection.then(() => slowClosed++);
    await healthy(url);
    assert.equal(slowClosed, 0, 'a healthy request is answered while the slow ones still dribble: it waits for none of them');
    // Each dribble needs over 10 s to send its headers: a close well before that is the server's
    // timeout (checked about once a second, later on a loaded machine), never the client's end.
    for (const { closedAfterMs, answer } of await Promise.all(slow)) {
      assert.ok(
        closedAfterMs >= FAST.headersTimeoutMs - 50 && closedAfterMs < FAST.headersTimeoutMs + 5_000,
        `closed after ${closedAfterMs} ms`,
      );
      assert.match(answer, /^HTTP\/1\.1 408 .*"error":"the request was not received in time/s);
    }
    assert.equal(await idle.allClosed(FAST.idleTimeoutMs + 10_000), 500, 'every idle connection is closed');
    await healthy(url);
  });
});
