/**
 * A `sluice scheduler` process for a word-count job on the mini Mesos, as the e2e tests start it:
 * the executors run from this checkout through tsx, its API on 127.0.0.1, its output in the test
 * log dir (`SLUICE_TEST_LOG_DIR`), and SIGKILLed when the test ends if it is still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { kafkaBrokers, testLogDir, zkConnect } from '../../infra/services.js';
import { repo, type WordCountJob } from '../../integration/container/harness.js';

export const TSX_LOADER = import.meta.resolve('tsx');
export const SLUICE = join(repo, 'bin/sluice.ts');

export interface SchedulerProcessOptions {
  readonly masterUrl: string;
  readonly port: number;
  /** Persistent volumes of this size per container; 0 keeps the stores in a host dir. */
  readonly volumeMb: number;
  /** The log level of the executors it launches. */
  readonly executorLogLevel: string;
  /** Its log file is `<job>-scheduler<logSuffix>.log`. */
  readonly logSuffix?: string;
  /** Its ZooKeeper session (`--election-session-ms`; default the scheduler's 10 s). */
  readonly electionSessionMs?: number;
  /** The Kafka of the job and its executors (default the run's, `kafkaBrokers()`). */
  readonly brokers?: readonly string[];
  /** More flags (e.g. `--principal` and `--secret-file`). */
  readonly extraArgs?: readonly string[];
}

/** `t`: a test context, or anything that collects clean-ups as its `after` does (a bench's CleanupList). */
export function startSchedulerProcess(t: Pick<TestContext, 'after'>, job: WordCountJob, options: SchedulerProcessOptions): ChildProcess {
  const executor = `SLUICE_LOG_LEVEL=${options.executorLogLevel} '${process.execPath}' --import '${TSX_LOADER}' '${SLUICE}' executor`;
  const args = [
    ...['scheduler', '--config', job.configFile, '--master', options.masterUrl, '--zk', zkConnect()],
    ...['--kafka', (options.brokers ?? kafkaBrokers()).join(','), '--bundle-uri', join(dirname(job.configFile), 'bundle.txt')],
    ...['--port', String(options.port), '--host', '127.0.0.1', '--executor-command', executor],
    ...['--volume-mb', String(options.volumeMb), '--cpus', '0.3', '--mem', '128', '--disk', '0'],
    ...(options.electionSessionMs === undefined ? [] : ['--election-session-ms', String(options.electionSessionMs)]),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, ['--import', TSX_LOADER, SLUICE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SLUICE_LOG_LEVEL: 'info' },
  });
  const log = createWriteStream(join(testLogDir(), `${job.name}-scheduler${options.logSuffix ?? ''}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  t.after(() => child.kill('SIGKILL'));
  return child;
}
