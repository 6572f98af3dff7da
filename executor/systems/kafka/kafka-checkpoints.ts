import type { Admin, Consumer } from 'kafkajs';
import type { Ssp } from '../../../shared/api/task.js';
import { SluiceError } from '../../../shared/errors.js';
import { kafkaErrorTypes } from '../../../shared/kafka/errors.js';
import { sspKey } from '../../../shared/model/job-model.js';
import type { Checkpoint, CheckpointStore } from '../../checkpoint/checkpoint.js';
import { decodeCheckpointV1, encodeCheckpointV1 } from '../../checkpoint/codec/v1.js';

const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
]);

/** True when a kafkajs error says the member must rejoin the group before it can commit. */
function needsRejoin(error: unknown): boolean {
  const types = kafkaErrorTypes(error);
  return types.has('KafkaJSRebalanceInProgress') || [...REBALANCE_ERRORS].some((type) => types.has(type));
}

/**
 * Checkpoints are the job's consumer group offset commits: each input partition of a task is
 * committed at its next offset, with the whole task checkpoint (changelog offsets included) as the
 * commit's metadata. One request carries a task's partitions, and the group coordinator refuses a
 * commit from a member that is no longer in the group, which fences a zombie container.
 */
export class KafkaCheckpointStore implements CheckpointStore {
  private readonly ssps = new Map<string, Ssp>();

  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    /** The joined consumer, once the container's input runs. */
    private readonly consumer: () => Promise<Consumer>,
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
      if (metadata) found.set(task.name, decodeCheckpointV1(metadata, task.name, `consumer group ${this.groupId}`));
    }
    return found;
  }

  async write(task: string, checkpoint: Checkpoint): Promise<void> {
    const metadata = encodeCheckpointV1(task, checkpoint);
    const offsets = Object.entries(checkpoint.inputs).map(([key, offset]) => {
      const ssp = this.ssps.get(key);
      if (!ssp)
        throw new SluiceError(
          'CHECKPOINT_FOREIGN_PARTITION',
          `checkpoint of task '${task}' names partition ${key}, which the task does not own`,
        );
      return { topic: ssp.topic, partition: ssp.partition, offset, metadata };
    });
    // A commit that meets a rebalance is retried once the member has rejoined (new generation).
    for (let attempt = 1; ; attempt++) {
      try {
        await (await this.consumer()).commitOffsets(offsets);
        return;
      } catch (error) {
        if (attempt >= 60 || !needsRejoin(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
}
