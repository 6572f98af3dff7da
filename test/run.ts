/**
 * The test runner behind `npm test` and `npm run test:unit`.
 *
 *   npm test                       all files under test/unit, test/integration and test/e2e
 *   npm test -- --unit             only test/unit (no services started)
 *   npm test -- kafka store/       only files whose path contains one of the words
 *
 * First it makes sure the machine has what the selected tests need (test/infra/prerequisites.ts: installs
 * missing Debian packages when it can, else stops before any test with the command to run).
 * When an integration or e2e file is selected it fetches the service jars (cached), starts ZooKeeper and
 * Kafka once, passes their addresses to the test processes (SLUICE_TEST_* variables, read them with
 * test/infra/services.ts), runs node's test runner with the spec reporter, prints the tail of each service
 * log if anything failed, and stops the services whatever happens. Its exit code is the test process's.
 * A MariaDB is started beside them only when a selected file's path names `mysql` (it costs ~1 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { freePort } from '../dev/services/net.js';
import { ensurePrerequisites, type Suite } from './infra/prerequisites.js';
import { infraSettings, repoRoot } from '../dev/services/settings.js';
import { startServices, type Services } from '../dev/services/start-services.js';
import { startMariaDb, type RunningMariaDb } from '../dev/services/mariadb.js';
import { mariaDbEnvironment, servicesEnvironment } from './infra/env.js';

const SUITES: readonly Suite[] = ['unit', 'integration', 'e2e'];
/** Whole test run (not counting service start-up); CI allows 90 min for everything. */
const RUN_TIMEOUT_MS = Number(process.env.SLUICE_TEST_RUN_TIMEOUT_MS ?? String(60 * 60_000));
const KILL_GRACE_MS = 10_000;

interface Options {
  unitOnly: boolean;
  filters: string[];
}

function usage(): never {
  process.stderr.write('usage: tsx test/run.ts [--unit] [path-substring ...]\n');
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const options: Options = { unitOnly: false, filters: [] };
  for (const arg of argv) {
    if (arg === '--unit') options.unitOnly = true;
    else if (arg === '--help' || arg === '-h') usage();
    else if (arg.startsWith('-')) {
      process.stderr.write(`unknown option ${arg}\n`);
      usage();
    } else options.filters.push(arg);
  }
  return options;
}

/** *.test.ts files under dir, recursively, as repo-relative paths with forward slashes, sorted. */
function findTestFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string, depth: number): void => {
    if (depth > 20 || !fs.existsSync(current)) return;
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path.relative(repoRoot, full).split(path.sep).join('/'));
    }
  };
  walk(dir, 0);
  return found.sort();
}

function selectFiles(options: Options): { unit: string[]; serial: string[]; suites: Suite[] } {
  const candidates = options.unitOnly ? (['unit'] as const) : SUITES;
  const matches = (file: string): boolean => options.filters.length === 0 || options.filters.some((f) => file.includes(f));
  const bySuite = Object.fromEntries(candidates.map((s) => [s, findTestFiles(path.join(repoRoot, 'test', s)).filter(matches)]));
  const suites = candidates.filter((suite) => (bySuite[suite]?.length ?? 0) > 0);
  return { unit: bySuite.unit ?? [], serial: [...(bySuite.integration ?? []), ...(bySuite.e2e ?? [])], suites };
}

/**
 * Passes the test process's stdout through, except that it holds back node's closing block (from its
 * "ℹ tests N" line to the end) so it can be printed last, after service log tails and shutdown messages.
 */
function relayStdout(stream: NodeJS.ReadableStream): { held: string[]; done: Promise<void> } {
  const held: string[] = [];
  let holding = false;
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (!holding && /^ℹ tests \d+\s*$/.test(line)) holding = true;
    if (holding) held.push(line);
    else process.stdout.write(`${line}\n`);
  });
  return { held, done: new Promise((resolve) => lines.once('close', () => resolve())) };
}

/** Signals the test runner and every test process it started (they share its process group). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** After the test runner has exited: kills anything of its process group still running (a stuck test process). */
function reapGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left, the usual case
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const { unit, serial, suites } = selectFiles(options);
  if (unit.length + serial.length === 0) {
    process.stderr.write(`no test files found${options.filters.length ? ` matching ${options.filters.join(', ')}` : ''}\n`);
    return 1;
  }
  // One slot works through the integration/e2e files (one at a time, see infra/serial.ts) while the
  // others take the unit files; node:test keeps this order.
  const files = serial.length > 0 ? [serial[0] as string, ...unit, ...serial.slice(1)] : unit;
  const concurrency = Math.max(1, os.availableParallelism());

  let services: Services | undefined;
  let mariaDb: RunningMariaDb | undefined;
  let servicesEnv: Record<string, string> = {};
  let child: ChildProcess | undefined;
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted !== undefined) process.exit(130); // a second signal: give up waiting
    interrupted = signal;
    process.stderr.write(`\n${signal}: stopping tests and services\n`);
    if (child !== undefined) killGroup(child, 'SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let relay: ReturnType<typeof relayStdout> | undefined;
  let exitCode = 1;
  try {
    ensurePrerequisites(suites, (line) => process.stderr.write(`${line}\n`));
    if (serial.length > 0) {
      const settings = infraSettings();
      const needsMariaDb = serial.some((file) => file.includes('mysql'));
      const [started, db] = await Promise.allSettled([
        startServices(settings),
        needsMariaDb ? startMariaDb({ logDir: settings.logDir, startTimeoutMs: settings.startTimeoutMs }) : undefined,
      ]);
      if (started.status === 'fulfilled') services = started.value;
      if (db.status === 'fulfilled') mariaDb = db.value;
      if (started.status === 'rejected') throw started.reason;
      if (db.status === 'rejected') throw db.reason;
      servicesEnv = { ...servicesEnvironment(started.value, settings.logDir), ...(mariaDb ? mariaDbEnvironment(mariaDb) : {}) };
      if (interrupted !== undefined) return interrupted === 'SIGINT' ? 130 : 143;
    }
    process.stderr.write(
      `running ${files.length} test file(s): ${unit.length} unit in parallel (${concurrency} at a time), ` +
        `${serial.length} integration/e2e one at a time\n`,
    );

    const serialPort = await freePort();
    const runnerStarted = Date.now();
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        pathToFileURL(path.join(repoRoot, 'test', 'infra', 'serial.ts')).href,
        path.join(repoRoot, 'test', 'infra', 'node-test.ts'),
        ...files,
      ],
      {
        cwd: repoRoot,
        // Its own process group, so that stopping it also stops the per-file test processes node:test spawns.
        detached: true,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...process.env,
          ...servicesEnv,
          KAFKAJS_NO_PARTITIONER_WARNING: '1',
          SLUICE_TEST_CONCURRENCY: String(concurrency),
          SLUICE_TEST_SERIAL_PORT: String(serialPort),
        },
      },
    );
    const testProcess = child;
    relay = relayStdout(testProcess.stdout as NodeJS.ReadableStream);
    const watchdog = setTimeout(() => {
      process.stderr.write(`tests still running after ${RUN_TIMEOUT_MS / 60_000} min: killing them\n`);
      killGroup(testProcess, 'SIGTERM');
      setTimeout(() => killGroup(testProcess, 'SIGKILL'), KILL_GRACE_MS).unref();
    }, RUN_TIMEOUT_MS);
    watchdog.unref();
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      testProcess.once('exit', (c, s) => resolve([c, s]));
      testProcess.once('error', (error) => {
        process.stderr.write(`could not start the test runner: ${error.message}\n`);
        resolve([1, null]);
      });
    });
    clearTimeout(watchdog);
    reapGroup(testProcess);
    await relay.done;
    exitCode = code ?? 1;
    if (signal !== null) process.stderr.write(`test runner ended by ${signal}\n`);
    if (interrupted !== undefined) exitCode = interrupted === 'SIGINT' ? 130 : 143;
    process.stderr.write(`tests took ${((Date.now() - runnerStarted) / 1000).toFixed(1)} s\n`);
    if (exitCode !== 0 && services !== undefined) process.stderr.write(`${services.logTails(40)}\n`);
    if (exitCode !== 0 && mariaDb !== undefined) process.stderr.write(`--- last 40 lines of ${mariaDb.logFile} ---\n${mariaDb.tail(40)}\n`);
    return exitCode;
  } catch (error) {
    process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await Promise.allSettled([services?.stop(), mariaDb?.stop()]);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Node's closing summary goes last, so it is what a reader (or CI) sees at the end.
    if (relay !== undefined && relay.held.length > 0) process.stdout.write(`${relay.held.join('\n')}\n`);
  }
}

process.exitCode = await main();
