import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runSluice } from '../scheduler/http/helpers/run-sluice.js';

/** `sluice scheduler` with a job config and unreachable services: the API options are checked before anything connects. */
async function scheduler(extra: readonly string[], more: Record<string, unknown> = {}): Promise<{ code: number | null; err: string }> {
  const dir = await mkdtemp(join(os.tmpdir(), 'sluice-sched-opts-'));
  const config = join(dir, 'job.json');
  await writeFile(config, JSON.stringify({ job: { name: 'wc', module: './wc.ts' }, inputs: [{ topic: 'words' }], ...more }));
  await writeFile(join(dir, 'read-token'), 'r34d\n');
  const args = ['scheduler', '--config', config, '--master', 'http://127.0.0.1:1', '--zk', '127.0.0.1:1', '--kafka', '127.0.0.1:1'];
  const run = await runSluice([...args, '--bundle-uri', 'x', ...extra.map((arg) => arg.replace('<dir>', dir))]);
  return { code: run.code, err: run.err };
}

describe('sluice scheduler: the API security options', () => {
  it('refuses a read token without a write token, half a certificate, and an unreadable file, naming the option', async () => {
    const readOnly = await scheduler(['--read-token-file', '<dir>/read-token']);
    assert.equal(readOnly.code, 2);
    assert.match(readOnly.err, /a read token without a write token would leave rescale and kill open to anyone/);
    const half = await scheduler(['--tls-cert', '<dir>/cert.pem']);
    assert.equal(half.code, 2);
    assert.match(half.err, /--tls-cert and --tls-key go together/);
    const missing = await scheduler(['--write-token-file', '<dir>/nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot read --write-token-file .*\/nope: ENOENT \[SECRET_FILE_UNREADABLE\]/);
    const notPem = await scheduler(['--tls-cert', '<dir>/read-token', '--tls-key', '<dir>/read-token']);
    assert.match(notPem.err, /--tls-cert .*read-token is not a PEM certificate/);
    assert.doesNotMatch(readOnly.err + notPem.err, /r34d/, 'no token in any error');
  });
});

describe('sluice scheduler: where the stores live', () => {
  it('refuses standby replicas with the stores in a host dir the containers of an agent share', async () => {
    const shared = await scheduler(['--volume-mb', '0'], { task: { standbys: 1 } });
    assert.equal(shared.code, 2);
    assert.match(shared.err, /task.standbys \(1\) needs a persistent volume per container \(--volume-mb > 0\)/);
  });
});
