/**
 * `sluice status | rescale | kill` against an HTTPS scheduler with a read and a write token: the CA
 * given with --ca, the tokens from files, and what each refusal tells the user to do.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { startSchedulerHttp } from '../../../scheduler/http/server.js';
import { tlsFiles } from '../../infra/tls-files.js';
import { fakeScheduler, type FakeScheduler } from '../scheduler/http/helpers/fake-service.js';
import { runSluice } from '../scheduler/http/helpers/run-sluice.js';

const READ = 'read-5d1c';
const WRITE = 'write-9a0f';

async function secured(t: TestContext): Promise<{ url: string; fake: FakeScheduler; readFile: string; writeFile: string }> {
  const files = tlsFiles();
  const fake = fakeScheduler();
  const http = await startSchedulerHttp('wc', fake.service, {
    port: 0,
    tls: { cert: files.cert, key: files.key },
    tokens: { read: READ, write: WRITE },
  });
  t.after(() => http.close());
  const dir = await mkdtemp(join(os.tmpdir(), 'sluice-cli-tokens-'));
  const [readFile, writeFileName] = [join(dir, 'read'), join(dir, 'write')];
  await writeFile(readFile, `${READ}\n`);
  await writeFile(writeFileName, `${WRITE}\n`);
  return { url: http.url, fake, readFile, writeFile: writeFileName };
}

describe('the CLI against an HTTPS scheduler with read and write tokens', () => {
  it('shows the job with --ca and the read token, rescales and kills with the write token', async (t) => {
    const { url, fake, readFile, writeFile: write } = await secured(t);
    const ca = tlsFiles().caFile;
    const status = await runSluice(['status', '--scheduler', url, '--ca', ca, '--token-file', readFile]);
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /^job wc: leader, framework fw-1 \(subscribed\)/);
    const rescale = await runSluice(['rescale', '--scheduler', url, '--ca', ca, '--token-file', write, '--containers', '3']);
    assert.equal(rescale.code, 0, rescale.err);
    const kill = await runSluice(['kill', '--scheduler', url, '--ca', ca, '--yes'], { SLUICE_API_TOKEN: WRITE });
    assert.equal(kill.code, 0, kill.err);
    assert.deepEqual([fake.rescales, fake.removals], [[3], 1]);
  });

  it('says what to do: the CA for an untrusted certificate, a token for 401, the write token for 403', async (t) => {
    const { url, fake, readFile } = await secured(t);
    const ca = tlsFiles().caFile;
    const untrusted = await runSluice(['status', '--scheduler', url, '--token-file', readFile]);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.err, /its certificate is not trusted; pass the CA that signed it with --ca \[SCHEDULER_UNREACHABLE\]/);
    const noToken = await runSluice(['status', '--scheduler', url, '--ca', ca]);
    assert.match(noToken.err, /refused GET \/api\/v1\/job: it needs an API token: pass --token-file or --token/);
    const readOnly = await runSluice(['rescale', '--scheduler', url, '--ca', ca, '--token-file', readFile, '--containers', '2']);
    assert.equal(readOnly.code, 1);
    assert.match(readOnly.err, /the token is the read token; this needs the write token \[SCHEDULER_FORBIDDEN\]/);
    const plain = await runSluice(['status', '--scheduler', url.replace('https:', 'http:'), '--token-file', readFile]);
    assert.equal(plain.code, 1);
    assert.match(plain.err, /cannot reach the scheduler at http:\/\/127\.0\.0\.1:\d+ .*does it serve https\?/);
    const missing = await runSluice(['status', '--scheduler', url, '--ca', ca, '--token-file', '/nonexistent/token']);
    assert.match(missing.err, /cannot read --token-file \/nonexistent\/token: ENOENT/);
    for (const run of [untrusted, noToken, readOnly, plain])
      assert.doesNotMatch(run.err + run.out, new RegExp(READ), 'no token in any output');
    assert.deepEqual(fake.rescales, []);
  });
});
