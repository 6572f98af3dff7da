/**
 * Runs the `sluice` CLI as a child process without blocking this one, so a scheduler API served by
 * the test process can answer it.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../../../../..');

export interface SluiceRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** `env` is added to this process's environment without its SLUICE_SCHEDULER and SLUICE_API_TOKEN. */
export function runSluice(args: readonly string[], env: Record<string, string> = {}): Promise<SluiceRun> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'SLUICE_SCHEDULER' && key !== 'SLUICE_API_TOKEN'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'bin/sluice.ts'), ...args], {
    env: { ...base, SLUICE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, out, err }));
  });
}
