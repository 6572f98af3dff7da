/**
 * The containers' own status reports (tasks, lag, restore progress, processed count), fetched from
 * the status URL each container registers in ZooKeeper. A container that does not answer within
 * the timeout is left out: the job state must not hang on one slow executor.
 */
import { ContainerRegistry } from '../../shared/coordination/container-registry.js';
import type { ZkSession } from '../../shared/coordination/zk-session.js';
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';

export async function readContainerReports(
  session: ZkSession,
  job: string,
  timeoutMs = 1_000,
): Promise<Map<string, ContainerStatusReport>> {
  const live = await new ContainerRegistry(session, job).list();
  const reports = await Promise.all(
    live.map(async ({ id, url }) => {
      if (url === null) return undefined;
      try {
        const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(timeoutMs) });
        return response.ok ? ([id, (await response.json()) as ContainerStatusReport] as const) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return new Map(reports.filter((entry) => entry !== undefined));
}
