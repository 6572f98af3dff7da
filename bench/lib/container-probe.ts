/**
 * Loaded into the e2e container process with `--import`. When the process exits it writes, to the
 * file named by SLUICE_BENCH_PROBE, how long its event loop went without turning (timers and
 * sockets, so Kafka heartbeats, wait that long) and the CPU it used: the CPU figure of a
 * container that died before the bench could read /proc.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ContainerProbe {
  readonly loopDelayMaxMs: number;
  readonly loopDelayP99Ms: number;
  readonly cpuMicros: number;
}

const file = process.env.SLUICE_BENCH_PROBE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.once('exit', () => {
    const cpu = process.cpuUsage();
    const probe: ContainerProbe = {
      loopDelayMaxMs: delay.max / 1e6,
      loopDelayP99Ms: delay.percentile(99) / 1e6,
      cpuMicros: cpu.user + cpu.system,
    };
    writeFileSync(file, JSON.stringify(probe));
  });
}
