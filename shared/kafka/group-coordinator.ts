import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GroupDescription, Kafka } from 'kafkajs';
import { KafkaError, KafkaErrorCode, kafkaErrorTypes } from './errors.js';

/** A consumer group's coordinator, for what kafkajs's admin cannot do: remove a member other than oneself. */
export interface GroupCoordinator {
  /** The group as its coordinator describes it: the members' metadata (their claims) only while the group is Stable. */
  describe(): Promise<GroupDescription>;
  /** Removes the member from the group (a LeaveGroup in its name); false if the coordinator did not know it (gone already). */
  remove(memberId: string): Promise<boolean>;
}

/*
 * Why kafkajs internals. Kafka lets anyone remove a member: LeaveGroup names the member (v0–v2 one
 * member_id, v3 a list of members) and the coordinator does not check who sends it (Kafka's own
 * AdminClient calls it removeMembersFromConsumerGroup). kafkajs 2.2.4 has no admin call for it, but
 * its Broker sends LeaveGroup in every version (the highest the broker supports), and every kafkajs
 * client builds its Cluster through a factory the Kafka object keeps under a private symbol. Borrowing
 * that factory gives a cluster built exactly as the job's consumers and admins are (brokers, SSL, SASL,
 * socket factory, timeouts, retries, logger); a request of our own over a raw socket would redo all of
 * that and the version negotiation. What is used: the factory (src/index.js), Cluster connect /
 * findGroupCoordinator / disconnect (src/cluster/index.js), Broker describeGroups / leaveGroup
 * (src/broker/index.js) and their version tables. Each of those files is known by its SHA-256 in
 * kafkajs 2.2.4, as scripts/patch-kafkajs.mjs knows the files it patches: any other file refuses to be
 * used (KAFKA_INTERNALS_CHANGED), so an upgrade must be looked at (test/unit/kafka/group-coordinator.test.ts fails).
 */
export const RELIED_ON_INTERNALS: Readonly<Record<string, string>> = {
  'src/index.js': '38d0022e448f0aaa72ad2ed16fac346a3dd3a2d28b64ca5395cb33a26c8a82e9',
  'src/cluster/index.js': '3831a6845e4e9fb0de73d5ff50a3695974fb8a927acde677c524fe1c362bd57d',
  'src/broker/index.js': '9cbea8898528c439c213080f99d86974460114f81b5034c49aeb593a0337ca90',
  'src/protocol/requests/leaveGroup/index.js': '4776435b9707619e98e1695ad9abb0efa7ce5ffa7860a5cadab393ba910ce52d',
  'src/protocol/requests/describeGroups/index.js': '88830e03d2cb7357ca77673b69a638326ad4428fa94cbc802ab3dfc8cde9bb8f',
};

const CREATE_CLUSTER = 'private:Kafka:createCluster';

interface InternalBroker {
  describeGroups(request: { groupIds: string[] }): Promise<{ groups: GroupDescription[] }>;
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalBroker>;
}

/** The relied-on files of the kafkajs in `root` (default: the installed one) that are not those of kafkajs 2.2.4. */
export function changedInternals(root = dirname(createRequire(import.meta.url).resolve('kafkajs/package.json'))): string[] {
  return Object.entries(RELIED_ON_INTERNALS)
    .filter(([file, known]) => sha256(join(root, file)) !== known)
    .map(([file]) => file);
}

function sha256(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

let installedChanged: string[] | undefined;

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
  installedChanged ??= changedInternals();
  const symbol = Object.getOwnPropertySymbols(kafka).find((candidate) => candidate.description === CREATE_CLUSTER);
  const createCluster = symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (installedChanged.length > 0 || typeof createCluster !== 'function') {
    throw new KafkaError(
      KafkaErrorCode.internalsChanged,
      `the installed kafkajs is not the 2.2.4 whose internals shared/kafka/group-coordinator.ts uses (changed: ${installedChanged.join(', ') || CREATE_CLUSTER})`,
    );
  }
  const cluster = (createCluster as (options: { allowAutoTopicCreation: boolean }) => InternalCluster)({ allowAutoTopicCreation: false });
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
