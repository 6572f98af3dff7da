import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const OWNED_PARTITIONS_ASSIGNER = 'SluiceOwnedPartitions';

/** What each group member tells the group leader: which container it is and which partitions it owns. */
export interface MemberClaim {
  readonly container: string;
  /** Topic → partitions: the inputs of the tasks this member runs (and holds the claims of). */
  readonly partitions: Readonly<Record<string, readonly number[]>>;
  /** When the member's consumer was created: of two members claiming one partition, the newer wins. */
  readonly startedAt: number;
}

export interface GroupMember {
  readonly memberId: string;
  readonly claim: MemberClaim | undefined;
}

/**
 * The pure assignment: each member gets exactly the partitions it owns. Who owns a task is not
 * decided here but by the job model and the ZooKeeper task claims (hand-over-barrier.ts), so the
 * consumer group never has to agree on a job model version. Two members claim one partition only
 * when one is a dead predecessor the group has not expired yet (a restarted container): the
 * newest claim wins and the other is reported through `onConflict`.
 */
export function assignOwnedPartitions(
  members: readonly GroupMember[],
  onConflict?: (memberId: string, why: string) => void,
): Map<string, Record<string, number[]>> {
  const newestFirst = [...members].sort(
    (a, b) => (b.claim?.startedAt ?? 0) - (a.claim?.startedAt ?? 0) || (a.memberId < b.memberId ? -1 : 1),
  );
  const takenBy = new Map<string, string>();
  const assignment = new Map<string, Record<string, number[]>>();
  for (const { memberId, claim } of newestFirst) {
    const mine: Record<string, number[]> = {};
    if (claim === undefined) onConflict?.(memberId, 'sent no readable claim');
    for (const [topic, partitions] of Object.entries(claim?.partitions ?? {})) {
      for (const partition of partitions) {
        const key = `${topic}\u0000${partition}`;
        const holder = takenBy.get(key);
        if (holder !== undefined) {
          onConflict?.(memberId, `${topic}/${partition} is claimed by the newer container ${holder}`);
          continue;
        }
        takenBy.set(key, claim?.container ?? memberId);
        (mine[topic] ??= []).push(partition);
      }
    }
    assignment.set(memberId, mine);
  }
  return assignment;
}

/** A kafkajs partition assigner (kafkajs has no manual assign) that gives each member what it owns. */
export function ownedPartitionsAssigner(claim: MemberClaim, onConflict?: (memberId: string, why: string) => void): PartitionAssigner {
  return () => ({
    name: OWNED_PARTITIONS_ASSIGNER,
    version: 1,
    protocol: ({ topics }) => ({
      name: OWNED_PARTITIONS_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify(claim)) }),
    }),
    assign: async ({ members }) => {
      const assignment = assignOwnedPartitions(
        members.map((member) => ({ memberId: member.memberId, claim: readClaim(member.memberMetadata) })),
        onConflict,
      );
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: assignment.get(memberId) ?? {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}

function readClaim(metadata: Buffer): MemberClaim | undefined {
  try {
    const decoded = AssignerProtocol.MemberMetadata.decode(metadata);
    const claim = JSON.parse(decoded?.userData.toString() ?? '') as Partial<MemberClaim>;
    const valid =
      typeof claim.container === 'string' &&
      typeof claim.startedAt === 'number' &&
      typeof claim.partitions === 'object' &&
      claim.partitions !== null &&
      Object.values(claim.partitions).every((list) => Array.isArray(list) && list.every(Number.isInteger));
    return valid ? (claim as MemberClaim) : undefined;
  } catch {
    return undefined;
  }
}
