import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { withTimeout } from '../../../dev/services/net.js';

const repo = resolve(import.meta.dirname, '../../..');
const SLUICE = [join(repo, 'bin/sluice.ts'), 'mini-mesos'];
const env = { ...process.env, SLUICE_LOG_LEVEL: 'warn' };

describe('sluice mini-mesos', () => {
  it('exits 2 on a bad argument, saying what is wrong', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', ...SLUICE, '--agents', 'zero'], {
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--agents expects a whole number in \[0, 253\], got 'zero'/);
    assert.match(result.stderr, /Usage: sluice mini-mesos/);
    const noMemory = spawnSync(process.execPath, ['--import', 'tsx', ...SLUICE, '--mem', '0'], { encoding: 'utf8', env, timeout: 60_000 });
    assert.equal(noMemory.status, 2);
    assert.match(noMemory.stderr, /--mem expects a number > 0, got '0'/);
  });

  it('refuses authentication flags without credentials, or with credentials Mesos could not check, naming them', async (t) => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', ...SLUICE, ...args], { encoding: 'utf8', env, timeout: 60_000 });
    const alone = run('--authenticate-http-frameworks');
    assert.equal(alone.status, 2);
    assert.match(alone.stderr, /--authenticate-http-frameworks needs --credentials FILE/);
    const dir = await mkdtemp(join(tmpdir(), 'sluice-mini-mesos-cli-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const credentials = join(dir, 'credentials.json');
    await writeFile(credentials, JSON.stringify({ credentials: [{ principal: 'sluice', secret: 'a:b' }] }));
    const colon = run('--credentials', credentials, '--authenticate-http-frameworks', '--agents', '0');
    assert.equal(colon.status, 2);
    assert.match(colon.stderr, /credentials\[0\]\.secret \(of principal 'sluice'\) must be a non-empty string without ':'/);
    assert.ok(!colon.stderr.includes('a:b'), 'the secret is not echoed');
  });

  it('prints the master URL first, serves /state with its agents, and stops cleanly on SIGTERM', async (t) => {
    const workDir = await mkdtemp(join(tmpdir(), 'sluice-mini-mesos-cli-'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ...SLUICE, '--agents', '2', '--port', '0', '--work-dir', workDir, '--cpus', '3'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    // stderr as of the failure, not of the call: it says why the command did not answer.
    const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
      withTimeout(promise, ms, what).catch((error: unknown) => {
        throw new Error(`${String(error)}; stderr: ${stderr}`);
      });
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(workDir, { recursive: true, force: true });
    });

    const lines = createInterface({ input: child.stdout });
    const [firstLine] = (await within(once(lines, 'line'), 60_000, 'no master URL printed')) as [string];
    assert.match(firstLine, /^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${firstLine}/state`, { signal: AbortSignal.timeout(5_000) });
    const state = (await response.json()) as { slaves: Array<{ hostname: string; resources: { cpus: number } }> };
    assert.deepEqual(
      state.slaves.map((agent) => [agent.hostname, agent.resources.cpus]),
      [
        ['127.0.0.2', 3],
        ['127.0.0.3', 3],
      ],
    );

    child.kill('SIGTERM');
    const [code, signal] = await within(exited, 30_000, 'did not stop on SIGTERM');
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, stderr);
  });
});
