/** `npm run stack` refuses bad options and a taken port at once, before starting anything. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../dev/services/settings.js';

function stack(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'dev/stack/stack.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('--help prints the options and exits 0', () => {
  const run = stack('--help');
  assert.equal(run.status, 0);
  assert.match(run.stdout, /^Usage: npm run stack/);
  assert.match(run.stdout, /--feed-minutes M/);
});

test('a bad option value names the option, the range and the value, and exits 2', () => {
  const run = stack('--agents', '0');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--agents expects a whole number from 1 to 16, got '0'/);
  assert.match(run.stderr, /Usage: npm run stack/);
  assert.equal(stack('--rate', 'fast').status, 2);
  assert.match(stack('--colour').stderr, /Unknown option '--colour'/);
});

test('a taken dashboard port fails at once, naming the port and what to do', async (t) => {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const run = stack('--port', String(port), '--work-dir', await mkdtemp(join(tmpdir(), 'sluice-stack-args-')));
  assert.equal(run.status, 1);
  assert.match(run.stdout, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is taken; pick another with --port P`));
  assert.doesNotMatch(run.stdout, /starting ZooKeeper/, 'nothing was started');
});
