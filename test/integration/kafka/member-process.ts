/**
 * Runs fixtures/group-member.ts (one container's real Kafka input) as a child process and collects
 * its reports, so a test can SIGKILL it and wait, bounded, for what it says. Its stderr (kafkajs's
 * log) goes to a file in the test log folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { repoRoot } from '../../../dev/services/settings.js';
import { kafkaBrokers, testLogDir } from '../../infra/services.js';
import { eventually } from '../coordination/helpers.js';

/** One line of the member's stdout: a log line of its input, or a report of the fixture. */
export interface MemberReport {
  readonly message: string;
  /** ms since the epoch, by the member's clock (the same host's). */
  readonly at: number;
  readonly [field: string]: unknown;
}

export interface MemberOptions {
  readonly job: string;
  readonly container: string;
  readonly topic: string;
  readonly partitions: readonly number[];
  readonly sessionTimeoutMs: number;
  /** The epoch of the task claims it owns its partitions under. */
  readonly epoch: number;
}

const SCRIPT = path.join(repoRoot, 'test', 'integration', 'kafka', 'fixtures', 'group-member.ts');

export class MemberProcess {
  readonly reports: MemberReport[] = [];
  /** When the process was spawned (ms since the epoch). */
  readonly spawnedAt = Date.now();
  private readonly child: ChildProcess;
  private readonly exit: Promise<void>;

  constructor(
    readonly name: string,
    readonly options: MemberOptions,
  ) {
    const log = fs.openSync(path.join(testLogDir(), `${options.job}-${name}.log`), 'w');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MEMBER_BROKERS: kafkaBrokers().join(','),
      MEMBER_JOB: options.job,
      MEMBER_CONTAINER: options.container,
      MEMBER_TOPIC: options.topic,
      MEMBER_PARTITIONS: options.partitions.join(','),
      MEMBER_SESSION_TIMEOUT_MS: String(options.sessionTimeoutMs),
      MEMBER_EPOCH: String(options.epoch),
    };
    delete env.NODE_TEST_CONTEXT; // a plain script, not a test file
    this.child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', log] });
    fs.closeSync(log);
    this.exit = new Promise((resolve) => this.child.once('exit', () => resolve()));
    const killOnExit = (): void => void this.child.kill('SIGKILL');
    process.once('exit', killOnExit);
    void this.exit.then(() => process.off('exit', killOnExit));
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.reports.push(JSON.parse(line) as MemberReport);
      } catch {
        // not a report
      }
    });
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Reports with this message. */
  events(message: string): MemberReport[] {
    return this.reports.filter((report) => report.message === message);
  }

  /** The first report with this message (and `holds`); rejects after `timeoutMs` or if the process exits. */
  async next(message: string, timeoutMs: number, holds: (report: MemberReport) => boolean = () => true): Promise<MemberReport> {
    return eventually(`${this.name}: '${message}'`, timeoutMs, () => {
      const found = this.events(message).find(holds);
      if (found === undefined && this.exited) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode})`);
      return found;
    });
  }

  /** When the member was first handed a record with this value (ms since the epoch); rejects after `timeoutMs`. */
  async received(value: string, timeoutMs: number): Promise<number> {
    const report = await this.next('records', timeoutMs, (entry) => (entry.values as string[]).includes(value));
    return report.at;
  }

  /** SIGKILL, as an executor dies: no LeaveGroup, no clean-up. Resolves when the process is gone. */
  async kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.exit;
  }
}
