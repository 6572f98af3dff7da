import type { GroupDescription, Kafka } from 'kafkajs';
import { KafkaError, KafkaErrorCode, kafkaErrorTypes } from './errors.js';
import { borrowCluster } from './kafkajs-internals.js';

/** A consumer group's coordinator, for what kafkajs's admin cannot do: remove a member other than oneself. */
export interface GroupCoordinator {
  /** The group as its coordinator describes it: the members' metadata (their claims) only while the group is Stable. */
  describe(): Promise<GroupDescription>;
  /** Removes the member from the group (a LeaveGroup in its name); false if the coordinator did not know it (gone already). */
  remove(memberId: string): Promise<boolean>;
}

/*
 * kafkajs 2.2.4 has no admin call for LeaveGroup in another member's name, but Kafka lets anyone send
 * it (v0–v2 one member_id, v3 a list of members; the coordinator does not check who sends it, and
 * Kafka's own AdminClient calls it removeMembersFromConsumerGroup), and kafkajs's Broker sends it in
 * every version: reached through a cluster borrowed from the client (kafkajs-internals.ts says which
 * internals, and how an upgrade is caught).
 */

interface InternalBroker {
  describeGroups(request: { groupIds: string[] }): Promise<{ groups: GroupDescription[] }>;
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalBroker>;
}

/**
 * Runs `use` with the coordinator of `groupId`, reached through a cluster of its own (connections
 * to the seed broker and the coordinator, closed afterwards). Throws KAFKA_INTERNALS_CHANGED when
 * the installed kafkajs is not the one whose internals this relies on.
 */
export async function withGroupCoordinator<T>(
  kafka: Kafka,
  groupId: string,
  use: (coordinator: GroupCoordinator) => Promise<T>,
): Promise<T> {
  const cluster = borrowCluster<InternalCluster>(kafka, 'shared/kafka/group-coordinator.ts');
  try {
    await cluster.connect();
    const broker = await cluster.findGroupCoordinator({ groupId });
    return await use({
      describe: async () => {
        const { groups } = await broker.describeGroups({ groupIds: [groupId] });
        const group = groups.find((candidate) => candidate.groupId === groupId);
        if (!group) throw new KafkaError(KafkaErrorCode.readFailed, `the coordinator did not describe consumer group ${groupId}`);
        return group;
      },
      remove: async (memberId) => {
        try {
          await broker.leaveGroup({ groupId, memberId });
          return true;
        } catch (error) {
          if (kafkaErrorTypes(error).has('UNKNOWN_MEMBER_ID')) return false;
          throw error;
        }
      },
    });
  } finally {
    await cluster.disconnect();
  }
}
