/**
 * One container process, as Mesos would start it (`sluice run <config> --kafka … --container 0`),
 * or another program in its place (the e2e bench's raw pipeline), watched through its checkpoints:
 * the group's committed offsets, polled until they reach the end of the input. A process that dies
 * or runs out of time still yields what it got done.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Admin } from 'kafkajs';
import type { ContainerProbe } from './container-probe.js';

const repo = resolve(import.meta.dirname, '../..');

export interface ContainerRun {
  /** Undefined when the checkpoints reached the end; otherwise why the run stopped short. */
  readonly failure: string | undefined;
  /** From spawn to the poll that saw the end (or to the failure). */
  readonly seconds: number;
  /** Input messages covered by checkpoints at that moment. */
  readonly checkpointed: number;
  readonly firstCheckpointSeconds: number;
  /** Messages per second from the first checkpoint on: the rate once started. */
  readonly steadyRate: number;
  /** utime + stime of the process (all its threads), read from /proc at the end. */
  readonly cpuMicros: number;
  /** The process's peak resident set (VmHWM), read from /proc at the end; -1 if unknown. */
  readonly peakRssMb: number;
  readonly probe: ContainerProbe | undefined;
}

export interface ContainerRunOptions {
  readonly configFile: string;
  readonly brokers: readonly string[];
  readonly input: string;
  readonly group: string;
  readonly logFile: string;
  readonly timeoutMs: number;
  /**
   * What the process runs, a script and its arguments (default: `bin/sluice.ts run <configFile>
   * --kafka <brokers> --container 0`); it is started like the container, with tsx and the probe.
   */
  readonly program?: readonly string[];
  /** More node flags, e.g. `--cpu-prof` to profile the process. */
  readonly nodeOptions?: readonly string[];
}

export async function runContainer(admin: Admin, options: ContainerRunOptions): Promise<ContainerRun> {
  const { input, group, logFile } = options;
  const highs = new Map((await admin.fetchTopicOffsets(input)).map(({ partition, high }) => [partition, Number(high)]));
  const probeFile = join(dirname(options.configFile), 'probe.json');
  const log = createWriteStream(logFile, { flags: 'a' });
  const started = performance.now();
  const program = options.program ?? [
    ...[join(repo, 'bin/sluice.ts'), 'run', options.configFile],
    ...['--kafka', options.brokers.join(','), '--container', '0'],
  ];
  const child = spawn(
    process.execPath,
    [...(options.nodeOptions ?? []), '--import', 'tsx', '--import', join(repo, 'bench/lib/container-probe.ts'), ...program],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLUICE_LOG_LEVEL: 'info', SLUICE_BENCH_PROBE: probeFile } },
  );
  // A bench stopped by Ctrl-C exits without the stop below: the process must not outlive it.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let first: { seconds: number; done: number } | undefined;
  let done = 0;
  let seconds = 0;
  let failure: string | undefined;
  let cpuMicros: number | undefined;
  let peakRssMb: number | undefined;
  try {
    for (;;) {
      seconds = (performance.now() - started) / 1000;
      if (exited(child)) {
        failure = `the container exited (${child.exitCode ?? child.signalCode}) before the end; see ${logFile}`;
        break;
      }
      if (seconds * 1000 > options.timeoutMs) {
        failure = `the container did not reach the end in ${options.timeoutMs / 1000} s; see ${logFile}`;
        [cpuMicros, peakRssMb] = await Promise.all([cpuMicrosOf(child), peakRssMbOf(child)]);
        break;
      }
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [input] });
      const partitions = committed?.partitions ?? [];
      done = partitions.reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
      if (done > 0 && !first) {
        first = { seconds, done };
        // The probe's loop delays count from here (see container-probe.ts).
        child.kill('SIGUSR2');
      }
      if (partitions.length > 0 && partitions.every(({ partition, offset }) => Number(offset) === highs.get(partition))) {
        [cpuMicros, peakRssMb] = await Promise.all([cpuMicrosOf(child), peakRssMbOf(child)]);
        break;
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
  } finally {
    await stop(child);
    process.off('exit', orphan);
  }
  const probe = await readFile(probeFile, 'utf8').then(
    (text) => JSON.parse(text) as ContainerProbe,
    () => undefined,
  );
  return {
    failure,
    seconds,
    checkpointed: done,
    firstCheckpointSeconds: first?.seconds ?? 0,
    steadyRate: first && seconds > first.seconds ? (done - first.done) / (seconds - first.seconds) : 0,
    // A container that died was not there to read: its own figure, written as it exited.
    cpuMicros: cpuMicros ?? probe?.cpuMicros ?? 0,
    peakRssMb: peakRssMb ?? probe?.peakRssMb ?? -1,
    probe,
  };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * CPU of a live process from /proc/<pid>/stat (fields 14 and 15, in clock ticks): it needs
 * nothing from the child, and the clean stop that follows is not counted.
 */
async function cpuMicrosOf(child: ChildProcess): Promise<number | undefined> {
  // Gone already (it may exit between two polls): the probe's figure stands in.
  const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return (ticks / ticksPerSecond) * 1e6;
}

/** The peak resident set of a live process, from VmHWM in /proc/<pid>/status (in kB). */
async function peakRssMbOf(child: ChildProcess): Promise<number | undefined> {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => undefined);
  const kilobytes = status?.match(/^VmHWM:\s+(\d+) kB$/m)?.[1];
  return kilobytes === undefined ? undefined : Number(kilobytes) / 1024;
}

/** SIGTERM (a clean stop with a last commit), then SIGKILL after 30 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await gone;
  clearTimeout(timer);
}
