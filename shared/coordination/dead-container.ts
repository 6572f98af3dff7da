/**
 * Freeing a dead container's place at once. A container's registration and task claims are
 * ephemeral nodes of its ZooKeeper session, so when its process dies they stay until that session
 * expires (the session timeout, 10 s by default), and its successor cannot claim its tasks before.
 * When Mesos says the executor process has ended (the agent saw it exit), the scheduler deletes
 * them now. Only then: for a lost agent the process may still run, and its session is what says
 * when it stopped. Even a process that is not dead after all could not corrupt state: its claims'
 * epochs are older than its successor's (every write is fenced by them) and, exactly once, its
 * transactional producer is fenced when the successor opens its own.
 */
import { ignoreNoNode } from './errors.js';
import { containerPath, decodeNodeName, taskClaimsDir } from './layout.js';
import type { ZkClient } from './zk-client.js';

export interface ReleasedContainer {
  /** Hex id of the dead session whose nodes were deleted. */
  readonly session: string;
  /** The tasks whose claims it held. */
  readonly tasks: readonly string[];
}

/**
 * Deletes the task claims and then the registration of the session that registers `containerId`
 * now; undefined when no registration stands (its session ended already). Each node is deleted
 * at the version read, and only if that session owns it.
 */
export async function releaseDeadContainer(client: ZkClient, job: string, containerId: string): Promise<ReleasedContainer | undefined> {
  const registration = await ignoreNoNode(client.get(containerPath(job, containerId)));
  const session = registration?.stat.ephemeralOwner;
  if (registration === undefined || !session) return undefined;
  const tasks: string[] = [];
  for (const child of (await ignoreNoNode(client.getChildren(taskClaimsDir(job)))) ?? []) {
    const path = `${taskClaimsDir(job)}/${child}`;
    const claim = await ignoreNoNode(client.get(path));
    if (claim?.stat.ephemeralOwner !== session) continue;
    await ignoreNoNode(client.remove(path, claim.version));
    tasks.push(child);
  }
  await ignoreNoNode(client.remove(containerPath(job, containerId), registration.version));
  return { session, tasks: tasks.map(decodeNodeName).sort() };
}
