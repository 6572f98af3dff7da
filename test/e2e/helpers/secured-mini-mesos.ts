/**
 * A `sluice mini-mesos` process (locked by dev/mini-mesos/auth-files.ts), and what the secured e2e
 * tests look at afterwards: the executors' tokens (from /proc), their sandbox output, and
 * whether the master refuses a framework with a wrong or no secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { jsonCodec } from '../../../shared/mesos/index.js';
import { SLUICE, TSX_LOADER } from './scheduler-process.js';

/** `sluice mini-mesos` with the given flags; resolves with the master URL (its first stdout line). */
export async function startMiniMesos(t: TestContext, args: string[], logFile: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, SLUICE, 'mini-mesos', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SLUICE_LOG_LEVEL: 'debug' },
  });
  t.after(() => child.kill('SIGKILL'));
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`sluice mini-mesos exited with ${code}; see ${logFile}`)));
  });
  return { url, child };
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** The HTTP status the master answers a SUBSCRIBE of an intruding framework with `authorization` (none if undefined). */
export async function intruderSubscribeStatus(masterUrl: string, authorization?: string): Promise<number> {
  const response = await fetch(`${masterUrl}/api/v1/scheduler`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(authorization === undefined ? {} : { Authorization: authorization }) },
    body: jsonCodec.schedulerCall.encode({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'x', name: 'intruder' } } }),
  });
  await response.body?.cancel();
  return response.status;
}

/** Basic auth for `principal` with `secret`, as a scheduler sends it. */
export function basicAuth(principal: string, secret: string): string {
  return `Basic ${Buffer.from(`${principal}:${secret}`).toString('base64')}`;
}

/** The executor tokens in the environments of the processes running in sandboxes under `workDir` (Linux /proc). */
export async function tokensUnder(workDir: string): Promise<Set<string>> {
  const tokens = new Set<string>();
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      if (!(await readlink(`/proc/${pid}/cwd`)).startsWith(workDir)) continue;
      const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
      const token = environ.find((entry) => entry.startsWith('MESOS_EXECUTOR_AUTHENTICATION_TOKEN='));
      if (token !== undefined) tokens.add(token.slice(token.indexOf('=') + 1));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return tokens;
}

/** What a leak check looks for of an executor token: the whole token and its signature part. */
export function tokenSecrets(tokens: Iterable<string>): string[] {
  return [...tokens].flatMap((token) => [token, token.split('.')[2] ?? token]);
}

/** Every file named stdout or stderr below `dir`: the executors' output. */
export async function sandboxOutputs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && /^std(out|err)$/.test(entry.name)).map((entry) => join(entry.parentPath, entry.name));
}
