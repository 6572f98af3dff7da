/**
 * Loaded into a watched process (bench/lib/container-run.ts) with `--import`. When the process
 * exits it writes, to the file named by SLUICE_BENCH_PROBE, how long its event loop went without
 * turning (timers and sockets, so Kafka heartbeats, wait that long), its garbage collections'
 * pauses, the peaks of its memory by kind (to tell V8's heap from Buffers and native memory), and
 * the CPU it used: the CPU figure of a process that died before the bench could read /proc.
 * SIGUSR2 (sent by the runner at the first checkpoint) restarts the loop-delay histogram: the
 * start-up before it (loading modules, opening stores) is not what blocks a running container's
 * heartbeats.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface ContainerProbe {
  readonly loopDelayMaxMs: number;
  readonly loopDelayP99Ms: number;
  readonly cpuMicros: number;
  /** The process's peak resident set (getrusage's maxrss). */
  readonly peakRssMb: number;
  /** Peaks of process.memoryUsage(), sampled every MEMORY_SAMPLE_MS: V8's heap, its use, and memory outside it. */
  readonly peakHeapTotalMb: number;
  readonly peakHeapUsedMb: number;
  /** Buffers and other memory V8 objects hold outside the heap (kafkajs's fetched bytes among them). */
  readonly peakExternalMb: number;
  /** The longest garbage collection and all of them: a pause blocks the loop as long. */
  readonly gcMaxPauseMs: number;
  readonly gcTotalMs: number;
}

/** process.memoryUsage() costs ~1 % of a busy container's CPU at 200 ms; peaks last longer than a second. */
const MEMORY_SAMPLE_MS = 1000;
const MB = 1024 * 1024;

const file = process.env.SLUICE_BENCH_PROBE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('SIGUSR2', () => delay.reset());
  const peak = { heapTotal: 0, heapUsed: 0, external: 0 };
  const sample = setInterval(() => {
    const usage = process.memoryUsage();
    peak.heapTotal = Math.max(peak.heapTotal, usage.heapTotal);
    peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
    peak.external = Math.max(peak.external, usage.external);
  }, MEMORY_SAMPLE_MS);
  sample.unref();
  const gc = { max: 0, total: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.max = Math.max(gc.max, entry.duration);
      gc.total += entry.duration;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  process.once('exit', () => {
    const cpu = process.cpuUsage();
    const probe: ContainerProbe = {
      loopDelayMaxMs: delay.max / 1e6,
      loopDelayP99Ms: delay.percentile(99) / 1e6,
      cpuMicros: cpu.user + cpu.system,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      peakHeapTotalMb: peak.heapTotal / MB,
      peakHeapUsedMb: peak.heapUsed / MB,
      peakExternalMb: peak.external / MB,
      gcMaxPauseMs: gc.max,
      gcTotalMs: gc.total,
    };
    writeFileSync(file, JSON.stringify(probe));
  });
}
