/**
 * What a process and its live descendants use, read from /proc: the CPU they spent (utime + stime,
 * with cutime + cstime for the children they already reaped) and the sum of their peak resident
 * sets (VmHWM). It needs nothing from the processes, so it works for any runtime (Node, the JVM).
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

export interface TreeUsage {
  readonly cpuMicros: number;
  /** The sum of each live process's own peak RSS: an upper bound of the tree's peak at one time. */
  readonly peakRssBytes: number;
}

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface Stat {
  readonly pid: number;
  readonly parent: number;
  readonly ticks: number;
}

/** Undefined once the root process is gone. */
export async function treeUsage(root: number): Promise<TreeUsage | undefined> {
  const stats = (
    await Promise.all((await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map((name) => readStat(Number(name))))
  ).filter((stat): stat is Stat => stat !== undefined);
  if (!stats.some((stat) => stat.pid === root)) return undefined;
  const children = new Map<number, number[]>();
  for (const { pid, parent } of stats) children.set(parent, [...(children.get(parent) ?? []), pid]);
  const tree = new Set<number>();
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    tree.add(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  let ticks = 0;
  let peakRssBytes = 0;
  for (const stat of stats) {
    if (!tree.has(stat.pid)) continue;
    ticks += stat.ticks;
    peakRssBytes += await peakRssOf(stat.pid);
  }
  return { cpuMicros: (ticks / ticksPerSecond) * 1e6, peakRssBytes };
}

async function readStat(pid: number): Promise<Stat | undefined> {
  // A process may end between the listing and the read.
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 4 (ppid) and 14–17 (utime, stime, cutime, cstime) of proc(5), counted from 1.
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
  return { pid, parent: Number(fields[1]), ticks };
}

async function peakRssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kilobytes = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  return kilobytes === undefined ? 0 : Number(kilobytes) * 1024;
}
