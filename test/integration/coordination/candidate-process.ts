/**
 * Runs fixtures/candidate.ts as a child process and collects its reports, so tests can kill it
 * (SIGKILL), pause it (SIGSTOP/SIGCONT) and wait, bounded, for what it says. Its log goes to a
 * file in the test log folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { repoRoot } from '../../../dev/services/settings.js';
import { testLogDir } from '../../infra/services.js';
import { eventually } from './helpers.js';

export interface Report {
  readonly event: string;
  readonly name: string;
  readonly at: number;
  readonly [field: string]: unknown;
}

const SCRIPT = path.join(repoRoot, 'test', 'integration', 'coordination', 'fixtures', 'candidate.ts');

export class CandidateProcess {
  readonly reports: Report[] = [];
  private readonly child: ChildProcess;
  private exited = false;

  constructor(
    readonly name: string,
    options: { connect: string; job: string; sessionTimeoutMs: number },
  ) {
    const log = fs.openSync(path.join(testLogDir(), `coordination-${options.job}-${name}.log`), 'w');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CANDIDATE_ZK_CONNECT: options.connect,
      CANDIDATE_JOB: options.job,
      CANDIDATE_NAME: name,
      CANDIDATE_SESSION_TIMEOUT_MS: String(options.sessionTimeoutMs),
    };
    delete env.NODE_TEST_CONTEXT; // a plain script, not a test file
    this.child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { cwd: repoRoot, env, stdio: ['pipe', 'pipe', log] });
    fs.closeSync(log);
    this.child.once('exit', () => (this.exited = true));
    // Also when this test process is ended early: a stopped (SIGSTOP) child would not see its stdin close.
    const killOnExit = (): void => void this.child.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.child.once('exit', () => process.off('exit', killOnExit));
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.reports.push(JSON.parse(line) as Report);
      } catch {
        // not a report (nothing else should be on stdout)
      }
    });
  }

  /** Reports of one kind, optionally only those from `since` (ms since the epoch) on. */
  events(event: string, since = 0): Report[] {
    return this.reports.filter((r) => r.event === event && r.at >= since);
  }

  /** The first report of `event` from `since` on; rejects after `timeoutMs`. */
  async next(event: string, timeoutMs: number, since = 0): Promise<Report> {
    return eventually(`${this.name}: '${event}'`, timeoutMs, () => {
      if (this.exited) throw new Error(`${this.name} exited`);
      return this.events(event, since)[0];
    });
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  send(command: string): void {
    this.child.stdin?.write(`${command}\n`);
  }

  /** Ends the process (it may be stopped: SIGKILL works anyway) and waits, bounded, for it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }
}
