import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import type { JobModel } from '../model/job-model.js';

export const JOB_MODEL_ASSIGNER = 'SluiceJobModel';

/** What each group member tells the leader: which container it is and which job model it runs. */
export interface MemberClaim {
  readonly container: string;
  readonly version: number;
  /** When the member's process started: of two members claiming one container, the newer wins. */
  readonly startedAt: number;
}

/**
 * A kafkajs partition assigner that gives each member exactly the partitions of its container in
 * the job model (kafkajs has no manual assign). The leader uses its own job model; a member that
 * runs another version, or an older member claiming the same container as a newer one (a
 * restarted container whose dead predecessor the group has not expired yet), gets nothing.
 */
export function jobModelAssigner(claim: MemberClaim, jobModel: () => JobModel, onUnassigned?: (memberId: string, why: string) => void): PartitionAssigner {
  return () => ({
    name: JOB_MODEL_ASSIGNER,
    version: 1,
    protocol: ({ topics }) => ({
      name: JOB_MODEL_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify(claim)) }),
    }),
    assign: async ({ members }) => {
      const model = jobModel();
      const claims = new Map(members.map((member) => [member.memberId, readClaim(member.memberMetadata)]));
      const newest = (member: { memberId: string }) => claims.get(member.memberId)?.startedAt ?? 0;
      const sorted = [...members].sort((a, b) => newest(b) - newest(a) || (a.memberId < b.memberId ? -1 : 1));
      const taken = new Set<string>();
      return sorted.map((member) => {
        const memberClaim = claims.get(member.memberId);
        const container = model.containers.find((candidate) => candidate.id === memberClaim?.container);
        let assignment: Record<string, number[]> = {};
        if (!memberClaim || !container) onUnassigned?.(member.memberId, `claims no container of job model ${model.version}`);
        else if (memberClaim.version !== model.version) onUnassigned?.(member.memberId, `runs job model ${memberClaim.version}, not ${model.version}`);
        else if (taken.has(container.id)) onUnassigned?.(member.memberId, `container ${container.id} is claimed by a newer member`);
        else {
          taken.add(container.id);
          assignment = partitionsOf(container.tasks.flatMap((task) => task.ssps));
        }
        return {
          memberId: member.memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: Buffer.alloc(0) }),
        };
      });
    },
  });
}

function readClaim(metadata: Buffer): MemberClaim | undefined {
  try {
    const decoded = AssignerProtocol.MemberMetadata.decode(metadata);
    const claim = JSON.parse(decoded?.userData.toString() ?? '') as Partial<MemberClaim>;
    return typeof claim.container === 'string' && typeof claim.version === 'number' && typeof claim.startedAt === 'number'
      ? (claim as MemberClaim)
      : undefined;
  } catch {
    return undefined;
  }
}

function partitionsOf(ssps: readonly { topic: string; partition: number }[]): Record<string, number[]> {
  const byTopic: Record<string, number[]> = {};
  for (const { topic, partition } of ssps) (byTopic[topic] ??= []).push(partition);
  return byTopic;
}
