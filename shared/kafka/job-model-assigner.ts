import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import type { JobModel } from '../model/job-model.js';

export const JOB_MODEL_ASSIGNER = 'SluiceJobModel';

/** What each group member tells the leader: which container it is and which job model it runs. */
export interface MemberClaim {
  readonly container: string;
  readonly version: number;
}

/**
 * A kafkajs partition assigner that gives each member exactly the partitions of its container in
 * the job model (kafkajs has no manual assign). The leader uses its own job model; a member that
 * runs another version, or a second member claiming the same container (a zombie), gets nothing
 * and idles until the next rebalance.
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
      const taken = new Set<string>();
      const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
      return sorted.map((member) => {
        const memberClaim = readClaim(member.memberMetadata);
        const container = model.containers.find((candidate) => candidate.id === memberClaim?.container);
        let assignment: Record<string, number[]> = {};
        if (!memberClaim || !container) onUnassigned?.(member.memberId, `claims no container of job model ${model.version}`);
        else if (memberClaim.version !== model.version) onUnassigned?.(member.memberId, `runs job model ${memberClaim.version}, not ${model.version}`);
        else if (taken.has(container.id)) onUnassigned?.(member.memberId, `container ${container.id} is claimed twice`);
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
    return typeof claim.container === 'string' && typeof claim.version === 'number' ? (claim as MemberClaim) : undefined;
  } catch {
    return undefined;
  }
}

function partitionsOf(ssps: readonly { topic: string; partition: number }[]): Record<string, number[]> {
  const byTopic: Record<string, number[]> = {};
  for (const { topic, partition } of ssps) (byTopic[topic] ??= []).push(partition);
  return byTopic;
}
