/**
 * The job's desired container count in ZooKeeper (`/sluice/<job>/scheduler/scale`, JSON), so that a
 * rescale outlives the scheduler that made it: a new leader plans from it, not from the config
 * file it was started with (which would revert the rescale). The record also keeps the config's
 * count at the time of the rescale: an operator who changes the config's `containers` afterwards
 * means the new number, and it wins, as a redeploy does in Marathon.
 */
import { ignoreNoNode } from '../../shared/coordination/errors.js';
import { fencedWrite } from '../../shared/coordination/fenced-write.js';
import { jobRoot } from '../../shared/coordination/layout.js';
import type { LeaderToken } from '../../shared/coordination/leader-election.js';
import type { ZkSession } from '../../shared/coordination/zk-session.js';

export interface ScaleRecord {
  /** The container count asked for by the last rescale. */
  readonly containers: number;
  /** The job config's `containers` when that rescale was made. */
  readonly configContainers: number;
}

/** The count to run: the last rescale's, unless the config's own count changed since. */
export function desiredContainers(configContainers: number, stored: ScaleRecord | undefined): number {
  return stored !== undefined && stored.configContainers === configContainers ? stored.containers : configContainers;
}

export function scaleStorePath(job: string): string {
  return `${jobRoot(job)}/scheduler/scale`;
}

export class ScaleStore {
  private readonly path: string;
  /** Data version of the node after our last read or write (null: no node yet). */
  private version: number | null = null;

  constructor(
    private readonly session: ZkSession,
    job: string,
  ) {
    this.path = scaleStorePath(job);
  }

  async read(): Promise<ScaleRecord | undefined> {
    const node = await ignoreNoNode(this.session.client.get(this.path));
    this.version = node?.version ?? null;
    if (node === undefined) return undefined;
    return JSON.parse(node.data.toString('utf8')) as ScaleRecord;
  }

  /** Replaces the record; fails with ZK_FENCED once this process is no longer the leader. */
  async write(record: ScaleRecord, token: LeaderToken): Promise<void> {
    this.version = await fencedWrite(this.session.client, token, this.path, Buffer.from(JSON.stringify(record)), this.version);
  }
}
