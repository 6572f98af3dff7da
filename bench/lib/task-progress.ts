/**
 * What bench:failover reads from a running job: each task's processed count from the containers'
 * status reports (a task processes again once its count moved after a fault), and what each
 * container process restored from the changelog (its `/metrics` counters, per process).
 */
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { ContainerRegistry } from '../../shared/coordination/container-registry.js';
import type { ZkSession } from '../../shared/coordination/zk-session.js';

/** Each running task's processed count, by task name. */
export function processedByTask(reports: Iterable<ContainerStatusReport>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const report of reports) {
    for (const task of report.tasks) if (task.state === 'running') counts.set(task.name, task.processed);
  }
  return counts;
}

/**
 * The tasks of `before` not yet processing again: no report shows them running with a count
 * above zero that differs from theirs in `before` (a relaunched process counts from zero, so any
 * count it has is work done after the fault).
 */
export function stalledTasks(before: ReadonlyMap<string, number>, reports: Iterable<ContainerStatusReport>): string[] {
  const moved = new Set<string>();
  for (const report of reports) {
    for (const task of report.tasks) {
      if (task.state === 'running' && task.processed > 0 && task.processed !== before.get(task.name)) moved.add(task.name);
    }
  }
  return [...before.keys()].filter((name) => !moved.has(name));
}

export interface Restored {
  readonly records: number;
  readonly bytes: number;
}

/**
 * A container process's restore counters, `sluice_store_restored_{records,bytes}_total`, summed
 * over its stores by task (the counters' `task` label).
 */
export function parseRestoreMetrics(text: string): Map<string, Restored> {
  const byTask = new Map<string, { records: number; bytes: number }>();
  for (const line of text.split('\n')) {
    const kind = line.startsWith('sluice_store_restored_records_total')
      ? 'records'
      : line.startsWith('sluice_store_restored_bytes_total')
        ? 'bytes'
        : undefined;
    if (kind === undefined) continue;
    const task = /task="([^"]*)"/.exec(line)?.[1] ?? '';
    const sums = byTask.get(task) ?? { records: 0, bytes: 0 };
    sums[kind] += Number(line.slice(line.lastIndexOf(' ') + 1));
    byTask.set(task, sums);
  }
  return byTask;
}

/** Every registered container process of `job`, by its status URL (a new process has a new one). */
export interface ProcessRestores {
  readonly container: string;
  /** By task name. */
  readonly restored: ReadonlyMap<string, Restored>;
}

export async function restoresByProcess(zk: ZkSession, job: string, timeoutMs = 2_000): Promise<Map<string, ProcessRestores>> {
  const live = await new ContainerRegistry(zk, job).list();
  const entries = await Promise.all(
    live.map(async ({ id, url }) => {
      if (url === null) return undefined;
      try {
        const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) return undefined;
        return [url, { container: id, restored: parseRestoreMetrics(await response.text()) }] as const;
      } catch {
        return undefined;
      }
    }),
  );
  return new Map(entries.filter((entry) => entry !== undefined));
}

/**
 * What the processes of `after` restored since `before`: all of a new process's counters, the
 * growth of a kept one's; only into the stores of `tasks` when given.
 */
export function restoredSince(
  before: ReadonlyMap<string, ProcessRestores>,
  after: ReadonlyMap<string, ProcessRestores>,
  tasks?: ReadonlySet<string>,
): Restored {
  let records = 0;
  let bytes = 0;
  for (const [url, { restored }] of after) {
    for (const [task, now] of restored) {
      if (tasks !== undefined && !tasks.has(task)) continue;
      const earlier = before.get(url)?.restored.get(task);
      records += now.records - (earlier?.records ?? 0);
      bytes += now.bytes - (earlier?.bytes ?? 0);
    }
  }
  return { records, bytes };
}
