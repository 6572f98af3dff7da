/**
 * Runs one stream processing process (any runtime) and watches it from outside: its consumer
 * group's committed offsets, polled until they reach the end of the input, and its process tree's
 * CPU and peak RSS from /proc. A process that dies or runs out of time still yields what it got done.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { Admin } from 'kafkajs';
import { treeUsage } from './process-tree.js';

export interface WatchedRun {
  /** Undefined when the checkpoints reached the end; otherwise why the run stopped short. */
  readonly failure: string | undefined;
  /** From spawn to the poll that saw the end (or to the failure). */
  readonly seconds: number;
  /** Input messages covered by committed offsets at that moment. */
  readonly checkpointed: number;
  readonly firstCheckpointSeconds: number;
  /** Messages per second from the first checkpoint on: the rate once started. */
  readonly steadyRate: number;
  /**
   * CPU of the process tree at the end, read while it still runs (so the clean stop is left out);
   * undefined when the process was gone by then.
   */
  readonly cpuMicros: number | undefined;
  /** CPU of the tree at the last poll before the end: a lower bound for a process that died. */
  readonly sampledCpuMicros: number;
  /** The highest sum of the tree's peak resident sets seen (sampled at each poll); 0 if never read. */
  readonly peakRssBytes: number;
}

export interface WatchOptions {
  /** Starts the process; its output goes to `logFile`. */
  readonly start: () => ChildProcess;
  readonly input: string;
  readonly group: string;
  readonly logFile: string;
  readonly timeoutMs: number;
  /** Called once, when the first committed offset is seen. */
  readonly onFirstCheckpoint?: (child: ChildProcess) => void;
}

/** How often the offsets and /proc are read. */
const POLL_MS = 100;

export async function runUntilCheckpointed(admin: Admin, options: WatchOptions): Promise<WatchedRun> {
  const { input, group, logFile } = options;
  const highs = new Map((await admin.fetchTopicOffsets(input)).map(({ partition, high }) => [partition, Number(high)]));
  const log = createWriteStream(logFile, { flags: 'a' });
  const started = performance.now();
  const child = options.start();
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
  let peakRssBytes = 0;
  let sampledCpuMicros = 0;
  try {
    for (;;) {
      seconds = (performance.now() - started) / 1000;
      if (exited(child)) {
        failure = `the process exited (${child.exitCode ?? child.signalCode}) before the end; see ${logFile}`;
        break;
      }
      const usage = child.pid === undefined ? undefined : await treeUsage(child.pid);
      peakRssBytes = Math.max(peakRssBytes, usage?.peakRssBytes ?? 0);
      sampledCpuMicros = usage?.cpuMicros ?? sampledCpuMicros;
      if (seconds * 1000 > options.timeoutMs) {
        failure = `the process did not reach the end in ${options.timeoutMs / 1000} s; see ${logFile}`;
        cpuMicros = usage?.cpuMicros;
        break;
      }
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [input] });
      const partitions = committed?.partitions ?? [];
      done = partitions.reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
      if (done > 0 && !first) {
        first = { seconds, done };
        options.onFirstCheckpoint?.(child);
      }
      if (partitions.length > 0 && partitions.every(({ partition, offset }) => Number(offset) === highs.get(partition))) {
        cpuMicros = (await treeUsage(child.pid as number))?.cpuMicros;
        break;
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, POLL_MS));
    }
  } finally {
    await stop(child);
    process.off('exit', orphan);
  }
  return {
    failure,
    seconds,
    checkpointed: done,
    firstCheckpointSeconds: first?.seconds ?? 0,
    steadyRate: first && seconds > first.seconds ? (done - first.done) / (seconds - first.seconds) : 0,
    cpuMicros,
    sampledCpuMicros,
    peakRssBytes,
  };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
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
