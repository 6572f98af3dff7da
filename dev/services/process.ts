/** Child processes whose output goes to a log file, with bounded stopping and log tails for error messages. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** The last `lines` lines of a text file ('' if it does not exist). Reads at most the last 256 KiB. */
export function tailFile(file: string, lines = 40): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, 256 * 1024);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const all = buffer.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs a command to completion with its output appended to `logFile`; kills it after `timeoutMs`. */
export async function runLogged(
  command: string,
  args: string[],
  options: { logFile: string; timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv; secrets?: readonly string[] },
): Promise<RunResult> {
  const log = fs.openSync(options.logFile, 'a');
  try {
    const line = (options.secrets ?? []).reduce((text, secret) => text.replaceAll(secret, '***'), `$ ${command} ${args.join(' ')}\n`);
    fs.writeSync(log, line);
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log, log],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    timer.unref();
    try {
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      return { code, signal };
    } finally {
      clearTimeout(timer);
    }
  } finally {
    fs.closeSync(log);
  }
}

/** Service processes still running: killed when this process exits without stopping them (a second Ctrl-C, a crash). */
const live = new Set<ServiceProcess>();
process.once('exit', () => {
  for (const service of live) {
    try {
      if (service.pid !== undefined) process.kill(-service.pid, 'SIGKILL'); // its own process group
    } catch {
      // already gone
    }
  }
});

/** A long-running service process (a JVM) writing stdout and stderr to one log file. */
export class ServiceProcess {
  readonly child: ChildProcess;
  private exitInfo: RunResult | undefined;
  private readonly exited: Promise<RunResult>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    readonly logFile: string,
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    const log = fs.openSync(logFile, 'a');
    try {
      fs.writeSync(log, `$ ${command} ${args.join(' ')}\n`);
      this.child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', log, log],
        // Its own process group: a terminal's Ctrl-C reaches only the process that started it,
        // which stops its services in order (a broker must outlive the clients committing to it).
        detached: true,
      });
    } finally {
      fs.closeSync(log); // the child keeps its own copy of the descriptor
    }
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      this.child.once('error', (error) => {
        fs.appendFileSync(logFile, `failed to start ${command}: ${error.message}\n`);
        this.exitInfo = { code: -1, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Undefined while running; otherwise how it ended. */
  exitDescription(): string | undefined {
    if (this.exitInfo === undefined) return undefined;
    return this.exitInfo.signal === null
      ? `${this.name} exited with code ${this.exitInfo.code}`
      : `${this.name} was killed by ${this.exitInfo.signal}`;
  }

  /** Resolves when the process has ended (never rejects). */
  whenExited(): Promise<RunResult> {
    return this.exited;
  }

  tail(lines = 40): string {
    return tailFile(this.logFile, lines);
  }

  /** SIGKILL: a crash. Resolves once the process is gone (bounded). */
  async kill(): Promise<void> {
    if (this.exitInfo !== undefined || this.child.pid === undefined) return;
    this.child.kill('SIGKILL');
    await Promise.race([this.exited, sleep(5_000, undefined, { ref: false })]);
  }

  /** SIGTERM, then SIGKILL if still running after `graceMs`. Resolves once the process is gone (bounded). */
  async stop(graceMs = 10_000): Promise<{ forced: boolean; ms: number }> {
    const started = Date.now();
    if (this.exitInfo !== undefined || this.child.pid === undefined) return { forced: false, ms: 0 };
    this.child.kill('SIGTERM');
    const graceful = await Promise.race([this.exited.then(() => true), sleep(graceMs, false, { ref: false })]);
    if (!graceful) {
      this.child.kill('SIGKILL');
      await Promise.race([this.exited, sleep(5_000, undefined, { ref: false })]);
    }
    return { forced: !graceful, ms: Date.now() - started };
  }
}
