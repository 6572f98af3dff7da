/**
 * The framework's own record in ZooKeeper (`/sluice/<job>/scheduler/launches`, JSON): the task of
 * each container's current attempt and each container's reservation. It is written (fenced by
 * the leader's token, compare-and-set) BEFORE the ACCEPT that launches or reserves, so a new
 * leader after a failover knows which tasks to reconcile and which reservations are ours
 * (the planner treats a reservation missing from the record as an orphan).
 */
import { FencedJsonNode } from '../../shared/coordination/fenced-json-node.js';
import { jobRoot } from '../../shared/coordination/layout.js';
import type { LeaderToken } from '../../shared/coordination/leader-election.js';
import type { ZkSession } from '../../shared/coordination/zk-session.js';
import type { ContainerReservation } from '../planner/index.js';
import type { TaskRef } from './container-lifecycle.js';

export interface LaunchRecord {
  readonly tasks: ReadonlyMap<string, TaskRef>;
  readonly reservations: ReadonlyMap<string, ContainerReservation>;
}

export const EMPTY_LAUNCH_RECORD: LaunchRecord = { tasks: new Map(), reservations: new Map() };

export function launchStorePath(job: string): string {
  return `${jobRoot(job)}/scheduler/launches`;
}

interface LaunchJson {
  readonly tasks: Record<string, TaskRef>;
  readonly reservations: Record<string, ContainerReservation>;
}

export class LaunchStore {
  private readonly node: FencedJsonNode<LaunchJson>;

  constructor(session: ZkSession, job: string) {
    this.node = new FencedJsonNode(session, launchStorePath(job));
  }

  async read(): Promise<LaunchRecord> {
    const json = await this.node.read();
    if (json === undefined) return EMPTY_LAUNCH_RECORD;
    return { tasks: new Map(Object.entries(json.tasks)), reservations: new Map(Object.entries(json.reservations)) };
  }

  /** Replaces the record; fails with ZK_FENCED once this process is no longer the leader. */
  async write(record: LaunchRecord, token: LeaderToken): Promise<void> {
    await this.node.write({ tasks: Object.fromEntries(record.tasks), reservations: Object.fromEntries(record.reservations) }, token);
  }
}
