import type { Admin } from 'kafkajs';
import type { Ssp } from '../../../shared/api/task.js';
import { TaskLostError } from '../../../shared/coordination/task-ownership.js';
import { SluiceError } from '../../../shared/errors.js';
import { kafkaErrorTypes } from '../../../shared/kafka/errors.js';
import { sspKey } from '../../../shared/model/job-model.js';
import { untimedStep, type Checkpoint, type CheckpointStore, type CommitStepTimer } from '../../checkpoint/checkpoint.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../checkpoint/codec/checkpoint-codec.js';
import type { GroupMembership } from './group-membership.js';

/**
 * Commit again once the group has rejoined: the group moved on (a rebalance, a coordinator move, or
 * this member evicted), or its coordinator cannot be reached (its broker died: kafkajs reconnects to
 * the same node, or finds it gone from the metadata, until its consumer, whose heartbeats fail too,
 * restarts and finds the new coordinator). A commit repeated is the same commit, and every attempt checks the claim and the
 * assignment again. The protocol errors go by kafkajs's names of them (NOT_COORDINATOR_FOR_GROUP,
 * not the protocol's NOT_COORDINATOR).
 */
const COMMIT_AGAIN = [
  'KafkaJSRebalanceInProgress',
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'KafkaJSConnectionError',
  'KafkaJSBrokerNotFound',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
];

const RETRY_MS = 500;
const MAX_ATTEMPTS = 120;

/**
 * Checkpoints are the job's consumer group offset commits: each input partition of a task is
 * committed at its next offset, with the whole task checkpoint (changelog positions included) as
 * the commit's metadata, all of a task's partitions in one request.
 *
 * The group does not fence: its coordinator checks a commit's member and generation, never that
 * the member owns the partition, and kafkajs rejoins by itself. What fences is the task's claim
 * (TaskOwnership): a commit is made, and made again after the group changed, only while the claim
 * holds and the current generation assigns this member every partition of the task. So a retry
 * after ILLEGAL_GENERATION is safe for the claim holder, and a zombie's ends in TaskLostError.
 */
export class KafkaCheckpointStore implements CheckpointStore {
  private readonly ssps = new Map<string, Ssp>();

  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly membership: GroupMembership,
  ) {}

  async load(tasks: readonly { readonly name: string; readonly ssps: readonly Ssp[] }[]): Promise<Map<string, Checkpoint>> {
    for (const task of tasks) for (const ssp of task.ssps) this.ssps.set(sspKey(ssp), ssp);
    const topics = [...new Set(tasks.flatMap((task) => task.ssps.map((ssp) => ssp.topic)))];
    const committed = new Map<string, string | null>();
    for (const { topic, partitions } of await this.admin.fetchOffsets({ groupId: this.groupId, topics })) {
      for (const { partition, metadata } of partitions) committed.set(`${topic}\u0000${partition}`, metadata);
    }
    const found = new Map<string, Checkpoint>();
    for (const task of tasks) {
      const metadata = task.ssps.map((ssp) => committed.get(`${ssp.topic}\u0000${ssp.partition}`)).find((text) => text);
      if (metadata) found.set(task.name, decodeCheckpoint(metadata, task.name, `consumer group ${this.groupId}`));
    }
    return found;
  }

  async write(task: string, checkpoint: Checkpoint, owned: () => boolean, step: CommitStepTimer = untimedStep): Promise<void> {
    const offsets = checkpointOffsets(task, checkpoint, this.ssps);
    for (let attempt = 1; ; attempt++) {
      const joined = await step('waiting for a joined and running consumer', () => this.membership.current());
      if (!owned()) throw new TaskLostError(task, 'its claim lapsed before its checkpoint was written');
      const foreign = offsets.find(({ topic, partition }) => !joined.assigned.has(`${topic}\u0000${partition}`));
      if (foreign) throw new TaskLostError(task, `the consumer group gave ${foreign.topic}[${foreign.partition}] to another member`);
      try {
        await step('group offset commit', () => joined.consumer.commitOffsets(offsets));
        // kafkajs returns without committing while it restarts a crashed consumer: then commit again.
        if (this.membership.crashCount === joined.crashes) return;
      } catch (error) {
        const types = kafkaErrorTypes(error);
        if (attempt >= MAX_ATTEMPTS || !COMMIT_AGAIN.some((type) => types.has(type))) throw error;
      }
      // A rebalance's refusal ends when the member has rejoined: no later, so a task's loop (which
      // waits for its commit) stands still no longer than the rebalance. Any other, after RETRY_MS.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.membership.changedSince(joined), new Promise((resolve) => (timer = setTimeout(resolve, RETRY_MS)))]);
      clearTimeout(timer);
    }
  }
}

/**
 * A checkpoint as offset commits: each input partition at its next offset, every one carrying the
 * whole checkpoint as its metadata (`ssps`: sspKey → the task's partition).
 */
export function checkpointOffsets(
  task: string,
  checkpoint: Checkpoint,
  ssps: ReadonlyMap<string, Ssp>,
): { topic: string; partition: number; offset: string; metadata: string }[] {
  const metadata = encodeCheckpoint(task, checkpoint);
  return Object.entries(checkpoint.inputs).map(([key, offset]) => {
    const ssp = ssps.get(key);
    if (!ssp)
      throw new SluiceError(
        'CHECKPOINT_FOREIGN_PARTITION',
        `checkpoint of task '${task}' names partition ${key}, which the task does not own`,
      );
    return { topic: ssp.topic, partition: ssp.partition, offset, metadata };
  });
}
