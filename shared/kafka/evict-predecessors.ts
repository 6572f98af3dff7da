import type { GroupDescription, Kafka } from 'kafkajs';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { withGroupCoordinator } from './group-coordinator.js';
import { readClaim } from './owned-partitions-assigner.js';

/** The container whose consumer is about to join its job's group. */
export interface JoiningContainer {
  readonly container: string;
  /** Its claim's startedAt: members of the same container that started before it are its predecessors. */
  readonly startedAt: number;
  /** The kafkajs clientId of the container's clients: names its members while the group rebalances and shows no claims. */
  readonly clientId: string;
}

export interface Predecessor {
  readonly memberId: string;
  readonly clientHost: string;
  /** From its claim; undefined when it was known by its client id (the group was rebalancing). */
  readonly startedAt: number | undefined;
}

/**
 * The members of the group that are earlier processes of the joining container: their claim names
 * the same container and an older start. While the group rebalances the coordinator describes
 * members without their metadata, so no claim can be read: then a member with the container's
 * client id is taken as its predecessor (the joining consumer is not in the group yet, and an
 * earlier consumer of this process was closed before it). A member started by a host whose clock is
 * ahead of this one's is missed: it then expires by its session timeout, as without this.
 */
export function findPredecessors(group: Pick<GroupDescription, 'members'>, self: JoiningContainer): Predecessor[] {
  const found: Predecessor[] = [];
  for (const { memberId, clientId, clientHost, memberMetadata } of group.members) {
    if (!memberMetadata || memberMetadata.length === 0) {
      if (clientId === self.clientId) found.push({ memberId, clientHost, startedAt: undefined });
      continue;
    }
    const claim = readClaim(memberMetadata);
    if (claim?.container === self.container && claim.startedAt < self.startedAt)
      found.push({ memberId, clientHost, startedAt: claim.startedAt });
  }
  return found;
}

/** A coordinator moving or loading (its broker restarted with this container's host): a few tries, then go on without. */
const ATTEMPTS = 4;
const RETRY_MS = 500;

/**
 * Removes the joining container's predecessors from its job's consumer group, before it joins.
 * A dead predecessor (a SIGKILLed executor) stays a member until its session times out (30 s by
 * default), and the rebalance the new member's join starts waits for every member, so the whole job
 * would stall until then. A live zombie removed this way loses nothing it owns: ownership is its
 * ZooKeeper claim and epoch, it rejoins, and the assigner gives the partitions to the later epoch.
 * Best effort: a failure is logged and the container joins anyway. Returns the members removed.
 */
export async function evictPredecessors(kafka: Kafka, groupId: string, self: JoiningContainer, logger: Logger): Promise<Predecessor[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const removed = await withGroupCoordinator(kafka, groupId, async (coordinator) => {
        const gone: Predecessor[] = [];
        for (const predecessor of findPredecessors(await coordinator.describe(), self)) {
          if (await coordinator.remove(predecessor.memberId)) gone.push(predecessor);
        }
        return gone;
      });
      if (removed.length > 0) {
        logger.info('removed earlier processes of this container from the consumer group', {
          group: groupId,
          container: self.container,
          members: removed,
        });
      }
      return removed;
    } catch (error) {
      if (attempt < ATTEMPTS && (error as { retriable?: unknown }).retriable === true) {
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS * attempt));
        continue;
      }
      logger.warn('could not remove earlier processes of this container from the consumer group; joining waits for their sessions to end', {
        group: groupId,
        container: self.container,
        error: describeError(error),
      });
      return [];
    }
  }
}
