/**
 * Deleting a removed job's ZooKeeper nodes: everything under `/sluice/<job>` except the leader
 * election (the candidates' ephemeral nodes go with their sessions). Fenced at the start only: a
 * deposed leader must not remove a job a successor still runs, and a removal is idempotent.
 */
import { ignoreNoNode, ZkCodes, ZkError } from '../../shared/coordination/errors.js';
import { jobRoot, leaderDir } from '../../shared/coordination/layout.js';
import type { LeaderToken } from '../../shared/coordination/leader-election.js';
import type { ZkClient } from '../../shared/coordination/zk-client.js';
import type { ZkSession } from '../../shared/coordination/zk-session.js';

export async function deleteJobZnodes(session: ZkSession, job: string, token: LeaderToken): Promise<void> {
  const client = session.client;
  if ((await client.exists(token.node)) === null) {
    throw new ZkError(ZkCodes.fenced, `not removing job '${job}': election node ${token.node} is gone`, { context: { job } });
  }
  const root = jobRoot(job);
  const keep = leaderDir(job);
  for (const child of (await ignoreNoNode(client.getChildren(root))) ?? []) {
    const path = `${root}/${child}`;
    if (path !== keep) await removeTree(client, path);
  }
}

async function removeTree(client: ZkClient, path: string): Promise<void> {
  for (const child of (await ignoreNoNode(client.getChildren(path))) ?? []) await removeTree(client, `${path}/${child}`);
  await ignoreNoNode(client.remove(path, -1));
}
