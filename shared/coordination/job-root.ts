/**
 * The start check of a job with ZooKeeper credentials: its root `/sluice/<job>` must be its own.
 * A root created before the credentials were set (open to all) or by another identity would
 * leave the job's nodes readable or writable by others, or the job locked out of them; the job
 * refuses to start rather than run on it. The root is created first if missing (with the job's
 * ACL), so the check also holds for a job's first start.
 */
import { hasZkCode, ZkCodes, ZkError } from './errors.js';
import { jobRoot } from './layout.js';
import { describeAcl, ownerAcl, sameAcl, type AclEntry, type DigestAuth } from './zk-acl.js';
import type { ZkClient } from './zk-client.js';
import type { ZkSession } from './zk-session.js';

/**
 * The start check of a scheduler or a container: with credentials, waits for the session (bounded
 * by its timeout) and ensures the job's root is its own; without, nothing (the nodes are open).
 */
export async function guardJobRoot(session: ZkSession, job: string, auth: DigestAuth | undefined): Promise<void> {
  if (auth === undefined) return;
  await ensureJobRoot(await session.ready(), job, auth);
}

/** Creates the job's root if missing, then checks that its ACL gives this identity everything and nobody else anything. */
export async function ensureJobRoot(client: ZkClient, job: string, auth: DigestAuth): Promise<void> {
  const root = jobRoot(job);
  let found = await readableAcl(client, root);
  if (found === null) {
    await client.mkdirp(root);
    found = await readableAcl(client, root);
  }
  if (found === null || found === undefined || !sameAcl(found, ownerAcl(auth))) throw wrongJobRootAcl(job, found ?? undefined, auth);
}

/**
 * The node's ACL; undefined when this identity may not read it (getACL needs READ or ADMIN, and
 * since ZooKeeper 3.9.2 so does exists()); null when it does not exist.
 */
async function readableAcl(client: ZkClient, path: string): Promise<AclEntry[] | undefined | null> {
  try {
    return await client.getAcl(path);
  } catch (error) {
    if (hasZkCode(error, 'ZK_NO_AUTH')) return undefined;
    if (hasZkCode(error, 'ZK_NO_NODE')) return null;
    throw error;
  }
}

/** The error naming the root, the ACL found (undefined: not readable by this identity) and the one expected, with the fix. */
export function wrongJobRootAcl(job: string, found: readonly AclEntry[] | undefined, auth: DigestAuth): ZkError {
  const root = jobRoot(job);
  const foundText =
    found === undefined
      ? `an ACL that digest user '${auth.user}' may not even read (the node belongs to another identity, or this job's password file ` +
        'holds another password than the one it was created with)'
      : `ACL [${describeAcl(found, auth)}]`;
  const message =
    `ZooKeeper node ${root}, the root of job '${job}', has ${foundText}; expected [${describeAcl(ownerAcl(auth), auth)}] and ` +
    'nothing for anyone else, so that only this job may read or change its nodes. To fix: if the job may lose its state in ' +
    `ZooKeeper, delete it (zkCli: deleteall ${root}) and start again; or, as an identity that may change the ACLs, run zkCli ` +
    `\`addauth digest ${auth.user}:<password>\` then \`setAcl -R ${root} auth::cdrwa\``;
  return new ZkError(ZkCodes.wrongAcl, message, { context: { job, path: root } });
}
