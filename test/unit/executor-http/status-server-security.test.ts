import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startStatusServer, type StatusListen } from '../../../executor/http/status-server.js';
import { httpRequest } from '../../../shared/http/http-request.js';
import { tlsFiles } from '../../infra/tls-files.js';

const TOKEN = 'r34d-t0ken';
const PATHS = ['/status', '/metrics', '/stores/counts/word?task=Partition%200', '/nope'];

async function serve(t: TestContext, security: StatusListen['security']): Promise<string> {
  const report = () => ({ container: '0', jobModelVersion: 4, processedTotal: 7, at: 0, tasks: [] });
  const server = await startStatusServer(report, { host: '127.0.0.1', port: 0, security });
  t.after(() => server.close());
  return server.url;
}

describe("a container's status server with the job's api section", () => {
  it('needs the read token on every path: 401 with the challenge without it or with another, the answer with it', async (t) => {
    const url = await serve(t, { readToken: TOKEN });
    for (const path of PATHS) {
      for (const token of [undefined, 'wrong']) {
        const response = await fetch(`${url}${path}`, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });
        assert.equal(response.status, 401, `${path} with ${token ?? 'no token'}`);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="sluice-container"');
        const error = ((await response.json()) as { error: string }).error;
        assert.match(error, /needs the job's read token: send the header 'Authorization: Bearer <token>'/);
      }
    }
    const statuses = [];
    for (const path of PATHS) statuses.push((await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status);
    assert.deepEqual(statuses, [200, 200, 404, 404], 'with the token: the report, the metrics, no such task, no such path');
  });

  it('serves HTTPS with the certificate: trusted through the CA, refused to plain HTTP', async (t) => {
    const files = tlsFiles();
    const url = await serve(t, { tls: { cert: files.cert, key: files.key }, readToken: TOKEN });
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await httpRequest(`${url}/status`, { ca: files.ca, token: TOKEN, timeoutMs: 5_000 });
    assert.deepEqual([answer.status, (JSON.parse(answer.text) as { processedTotal: number }).processedTotal], [200, 7]);
    await assert.rejects(httpRequest(`${url.replace('https:', 'http:')}/status`, { token: TOKEN, timeoutMs: 5_000 }), (error: Error) =>
      /socket hang up|ECONNRESET|Parse Error/.test(`${error.message} ${String((error as NodeJS.ErrnoException).code)}`),
    );
  });

  it('without an api section stays plain HTTP and open, as before', async (t) => {
    const url = await serve(t, undefined);
    assert.match(url, /^http:\/\//);
    assert.equal((await fetch(`${url}/status`)).status, 200);
  });
});
