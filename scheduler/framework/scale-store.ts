/**
 * The job's desired container count in ZooKeeper (`/sluice/<job>/scheduler/scale`, JSON), so that a
 * rescale outlives the scheduler that made it: a new leader plans from it, not from the config
 * file it was started with (which would revert the rescale). The record also keeps the config's
 * count at the time of the rescale: an operator who changes the config's `containers` afterwards
 * means the new number, and it wins, as a redeploy does in Marathon.
 */
import { FencedJsonNode } from '../../shared/coordination/fenced-json-node.js';
import { jobRoot } from '../../shared/coordination/layout.js';
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

export function scaleStore(session: ZkSession, job: string): FencedJsonNode<ScaleRecord> {
  return new FencedJsonNode(session, `${jobRoot(job)}/scheduler/scale`);
}
