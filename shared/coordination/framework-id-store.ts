/**
 * The Mesos FrameworkID of the job (`/sluice/<job>/framework-id`), so that a newly elected
 * scheduler re-subscribes as the same framework and keeps its running executors. Only the leader
 * writes it, fenced and compare-and-set like the job model (fenced-write.ts).
 */
import { ignoreNoNode } from './errors.js';
import { frameworkIdPath } from './layout.js';
import type { LeaderToken } from './leader-election.js';
import { fencedWrite } from './fenced-write.js';
import type { ZkSession } from './zk-session.js';

export interface StoredFrameworkId {
  readonly frameworkId: string;
  /** ZooKeeper data version (≥ 1) for the next compare-and-set. */
  readonly version: number;
}

export class FrameworkIdStore {
  private readonly path: string;

  constructor(
    private readonly session: ZkSession,
    job: string,
  ) {
    this.path = frameworkIdPath(job);
  }

  /** The stored id, or null before the first subscription. */
  async read(): Promise<StoredFrameworkId | null> {
    const node = await ignoreNoNode(this.session.client.get(this.path));
    return node === undefined ? null : { frameworkId: node.data.toString('utf8'), version: node.version };
  }

  /** Stores `frameworkId` if the node is at `expectedVersion` (null: not stored yet); returns the new version. */
  async write(frameworkId: string, expectedVersion: number | null, token: LeaderToken): Promise<number> {
    return fencedWrite(this.session.client, token, this.path, Buffer.from(frameworkId, 'utf8'), expectedVersion);
  }
}
