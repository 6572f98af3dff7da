/**
 * This process's peak resident set size (VmHWM), for the `*_peak_rss_mb` metrics. Linux keeps one
 * high-water mark per process; writing 5 to /proc/self/clear_refs resets it to the current RSS, so
 * a phase's peak is measured from its start. Where the reset is refused, the peak stays the
 * process's since its start, and `peakRssResets()` says so.
 */
import { readFileSync, writeFileSync } from 'node:fs';

let resetRefused = false;

/** Peak RSS in MB since the last reset (or the process start). */
export function peakRssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kilobytes = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kilobytes === undefined) throw new Error('/proc/self/status has no VmHWM line: peak RSS needs Linux');
  return Number(kilobytes) / 1024;
}

/** Starts a phase: the peak becomes the current RSS. */
export function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    resetRefused = true;
  }
}

/** 1 when every reset worked (each phase's peak is its own), 0 when peaks are cumulative. */
export function peakRssResets(): number {
  return resetRefused ? 0 : 1;
}

/** Runs a phase and returns its result with the phase's peak RSS. */
export async function withPeakRss<T>(phase: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  resetPeakRss();
  const result = await phase();
  return { result, peakRssMb: peakRssMb() };
}
