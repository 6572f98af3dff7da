/**
 * Writes that only the leader may make (the job model, the framework id), fenced IN ZooKeeper:
 * one atomic multi that `check`s the leader's election node still exists and compare-and-sets
 * the data. A deposed leader's node is gone (its session ended, or it left), so its write fails
 * with ZK_FENCED however stale its own view is; a write based on an old read fails with
 * ZK_BAD_VERSION (or ZK_NODE_EXISTS for a create).
 *
 * The version-0 trap: node-zookeeper-client sends version 0 in a multi as -1 ("any version"), so a
 * multi setData against a node still at version 0 would not be compared at all. Fenced nodes are
 * therefore created AT VERSION 1: the create and a setData of the same bytes go in the same multi
 * as the fence (the -1 there can only match the node this very multi created). Every later write
 * expects a version ≥ 1, and ZkClient.multi refuses version 0 outright.
 */
import { ZkCodes, ZkError } from './errors.js';
import type { LeaderToken } from './leader-election.js';
import { parentPath } from './layout.js';
import type { MultiOp } from './zk-types.js';
import type { ZkClient } from './zk-client.js';

/**
 * Sets `path` to `data` if the node is at `expectedVersion` (null: it must not exist yet, and is
 * created) and the leader of `token` still holds its election node. Returns the new version (≥ 1).
 */
export async function fencedWrite(
  client: ZkClient,
  token: LeaderToken,
  path: string,
  data: Buffer,
  expectedVersion: number | null,
): Promise<number> {
  const fence: MultiOp = { op: 'check', path: token.node, version: -1 };
  const ops: MultiOp[] =
    expectedVersion === null
      ? [fence, { op: 'create', path, data }, { op: 'setData', path, data, version: -1 }]
      : [fence, { op: 'setData', path, data, version: expectedVersion }];
  if (expectedVersion === null) await client.mkdirp(parentPath(path));
  try {
    const results = await client.multi(ops);
    const version = results[ops.length - 1]?.version;
    if (version === undefined) throw new ZkError(ZkCodes.corrupt, `ZooKeeper returned no version for ${path}`, { context: { path } });
    return version;
  } catch (error) {
    if (error instanceof ZkError && error.context.failedOp === 0) {
      const message = `write to ${path} refused: election node ${token.node} is gone, so this process is no longer the leader of job '${token.job}'`;
      throw new ZkError(ZkCodes.fenced, message, { cause: error, context: { path, job: token.job, node: token.node } });
    }
    throw error;
  }
}

/** Under ZooKeeper's 1 MB request limit with room to spare, and few enough ops for one transaction log entry. */
const MULTI_BYTES = 512 * 1024;
const MULTI_OPS = 500;

/**
 * Applies `ops` in fenced multis (each also `check`s the leader's election node), as few as the
 * request size allows. Not atomic across multis: callers order their writes so that a partial
 * run leaves nothing a reader acts on (job-model-store.ts writes parts before the root).
 */
export async function fencedOps(client: ZkClient, token: LeaderToken, ops: readonly MultiOp[]): Promise<void> {
  const fence: MultiOp = { op: 'check', path: token.node, version: -1 };
  let chunk: MultiOp[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    try {
      await client.multi([fence, ...chunk]);
    } catch (error) {
      if (error instanceof ZkError && error.context.failedOp === 0) {
        const message = `writes under ${parentPath(chunk[0]?.path ?? '/')} refused: election node ${token.node} is gone, so this process is no longer the leader of job '${token.job}'`;
        throw new ZkError(ZkCodes.fenced, message, { cause: error, context: { job: token.job, node: token.node } });
      }
      throw error;
    }
    chunk = [];
    bytes = 0;
  };
  for (const op of ops) {
    const size = op.path.length + (op.op === 'create' || op.op === 'setData' ? op.data.length : 0) + 64;
    if (chunk.length >= MULTI_OPS || (chunk.length > 0 && bytes + size > MULTI_BYTES)) await flush();
    chunk.push(op);
    bytes += size;
  }
  await flush();
}
