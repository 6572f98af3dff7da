/**
 * One container process, as Mesos would start it (`sluice run <config> --kafka … --container 0`),
 * or another program in its place (the e2e bench's raw pipeline), watched through its checkpoints:
 * the group's committed offsets, polled until they reach the end of the input. A process that dies
 * or runs out of time still yields what it got done.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Admin } from 'kafkajs';
import { buildBenchProcesses, compiled } from './bench-build.js';
import { runUntilCheckpointed, type WatchedRun } from './checkpoint-watch.js';
import type { ContainerProbe } from './container-probe.js';

export interface ContainerRun extends Omit<WatchedRun, 'cpuMicros'> {
  /** utime + stime of the process and its children (all threads), read from /proc at the end. */
  readonly cpuMicros: number;
  /** The process tree's peak resident set (VmHWM) in MiB; -1 if unknown. */
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
   * What the process runs, a compiled script (bench-build.ts) and its arguments (default: the
   * compiled `bin/sluice.ts run <configFile> --kafka <brokers> --container 0`); it is started like
   * the container, with the probe.
   */
  readonly program?: readonly string[];
  /** More node flags, e.g. `--cpu-prof` to profile the process. */
  readonly nodeOptions?: readonly string[];
}

export async function runContainer(admin: Admin, options: ContainerRunOptions): Promise<ContainerRun> {
  await buildBenchProcesses();
  const probeFile = join(dirname(options.configFile), 'probe.json');
  const program = options.program ?? [
    ...[compiled('bin/sluice.ts'), 'run', options.configFile],
    ...['--kafka', options.brokers.join(','), '--container', '0'],
  ];
  const run = await runUntilCheckpointed(admin, {
    ...options,
    start: () =>
      spawn(process.execPath, [...(options.nodeOptions ?? []), '--import', compiled('bench/lib/container-probe.ts'), ...program], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SLUICE_LOG_LEVEL: 'info', SLUICE_BENCH_PROBE: probeFile },
      }),
    // The probe's loop delays count from here (see container-probe.ts).
    onFirstCheckpoint: (child) => child.kill('SIGUSR2'),
  });
  const probe = await readFile(probeFile, 'utf8').then(
    (text) => JSON.parse(text) as ContainerProbe,
    () => undefined,
  );
  // A container that died was not there to read: its own figures, written as it exited.
  return {
    ...run,
    cpuMicros: run.cpuMicros ?? probe?.cpuMicros ?? 0,
    peakRssMb: run.peakRssBytes > 0 ? run.peakRssBytes / 2 ** 20 : (probe?.peakRssMb ?? -1),
    probe,
  };
}
