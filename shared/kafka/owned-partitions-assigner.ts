import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const OWNED_PARTITIONS_ASSIGNER = 'SluiceOwnedPartitions';

/** What each group member tells the group leader: which container it is and which partitions it owns. */
export interface MemberClaim {
  readonly container: string;
  /** Topic → partitions: the inputs of the tasks this member runs (and holds the claims of). */
  readonly partitions: Readonly<Record<string, readonly number[]>>;
  /**
   * "topic/partition" → the epoch (decimal) of the task claim under which this member owns it
   * (hand-over-barrier.ts): of two members claiming one partition, the higher epoch wins. Absent
   * for members without ZooKeeper claims.
   */
  readonly epochs?: Readonly<Record<string, string>>;
  /** When the member's consumer was created: between equal epochs, the newer member wins. */
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
 * when one of them lost the task's claim (a zombie, or a dead predecessor the group has not
 * expired yet): the later claim wins, by its ZooKeeper epoch rather than any host's clock (between
 * members without epochs, the newer member), and the other is reported through `onConflict`.
 */
export function assignOwnedPartitions(
  members: readonly GroupMember[],
  onConflict?: (memberId: string, why: string) => void,
): Map<string, Record<string, number[]>> {
  const newestFirst = [...members].sort(
    (a, b) => (b.claim?.startedAt ?? 0) - (a.claim?.startedAt ?? 0) || (a.memberId < b.memberId ? -1 : 1),
  );
  const winners = new Map<string, { memberId: string; container: string; epoch: bigint }>();
  for (const { memberId, claim } of newestFirst) {
    for (const [topic, partitions] of Object.entries(claim?.partitions ?? {})) {
      for (const partition of partitions) {
        const key = `${topic}/${partition}`;
        const epoch = BigInt(claim?.epochs?.[key] ?? 0);
        const best = winners.get(key);
        if (best === undefined || epoch > best.epoch) winners.set(key, { memberId, container: claim?.container ?? memberId, epoch });
      }
    }
  }
  const assignment = new Map<string, Record<string, number[]>>();
  for (const { memberId, claim } of newestFirst) {
    const mine: Record<string, number[]> = {};
    if (claim === undefined) onConflict?.(memberId, 'sent no readable claim');
    for (const [topic, partitions] of Object.entries(claim?.partitions ?? {})) {
      for (const partition of partitions) {
        const winner = winners.get(`${topic}/${partition}`);
        if (winner?.memberId === memberId) {
          (mine[topic] ??= []).push(partition);
          continue;
        }
        const by = winner?.epoch
          ? `container ${winner.container} under a later task claim (epoch ${winner.epoch})`
          : `the newer container ${winner?.container}`;
        onConflict?.(memberId, `${topic}/${partition} is claimed by ${by}`);
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

/** The claim in a member's metadata (as this assigner's protocol() encodes it), or undefined if it holds none that is valid. */
export function readClaim(metadata: Buffer): MemberClaim | undefined {
  try {
    const decoded = AssignerProtocol.MemberMetadata.decode(metadata);
    const claim = JSON.parse(decoded?.userData.toString() ?? '') as Partial<MemberClaim>;
    const valid =
      typeof claim.container === 'string' &&
      typeof claim.startedAt === 'number' &&
      (claim.epochs === undefined ||
        (typeof claim.epochs === 'object' &&
          claim.epochs !== null &&
          Object.values(claim.epochs).every((e) => typeof e === 'string' && /^\d{1,20}$/.test(e)))) &&
      typeof claim.partitions === 'object' &&
      claim.partitions !== null &&
      Object.values(claim.partitions).every((list) => Array.isArray(list) && list.every(Number.isInteger));
    return valid ? (claim as MemberClaim) : undefined;
  } catch {
    return undefined;
  }
}
