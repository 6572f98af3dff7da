/**
 * The current job model in ZooKeeper (`/sluice/<job>/jobmodel/current`, encodeJobModel bytes).
 * The leader reads it with its ZooKeeper data version and writes the next model with a fenced
 * compare-and-set (fenced-write.ts): a stale read gets ZK_BAD_VERSION, a deposed leader ZK_FENCED.
 * The node is created at version 1 and never deleted, so versions only grow. Containers `watch()`
 * it and get every new model (a watch is re-armed on every session, and a model that changed
 * while no watch was set is delivered on the next read).
 */
import { describeError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { decodeJobModel, encodeJobModel } from '../model/job-model-codec.js';
import type { JobModel } from '../model/job-model.js';
import { fencedWrite } from './fenced-write.js';
import { ignoreNoNode, ZkCodes, ZkError } from './errors.js';
import { jobModelPath } from './layout.js';
import type { LeaderToken } from './leader-election.js';
import { SessionLoop } from './session-loop.js';
import type { ZkSession } from './zk-session.js';

export interface StoredJobModel {
  readonly model: JobModel;
  /** ZooKeeper data version of the node (≥ 1): pass it back to write() as expectedVersion. */
  readonly version: number;
}

export class JobModelStore {
  private readonly path: string;
  private readonly log: Logger;

  constructor(
    private readonly session: ZkSession,
    private readonly job: string,
  ) {
    this.path = jobModelPath(job);
    this.log = createLogger({ component: 'job-model-store', job });
  }

  /** The current model, or null when none was written yet. */
  async read(): Promise<StoredJobModel | null> {
    const node = await ignoreNoNode(this.session.client.get(this.path));
    return node === undefined ? null : { model: decodeJobModel(node.data), version: node.version };
  }

  /**
   * Writes `model` if the stored one is still at `expectedVersion` (null: none stored yet) and
   * `token`'s leader still leads. Returns the new version.
   */
  async write(model: JobModel, expectedVersion: number | null, token: LeaderToken): Promise<number> {
    if (model.job !== this.job || token.job !== this.job) {
      const message = `job model of '${model.job}' (leader of '${token.job}') cannot be written for job '${this.job}'`;
      throw new ZkError(ZkCodes.badArguments, message, { context: { job: this.job } });
    }
    const data = Buffer.from(encodeJobModel(model), 'utf8');
    return fencedWrite(this.session.client, token, this.path, data, expectedVersion);
  }

  /**
   * Calls `onModel` with the current model and then with every new one, until the returned
   * function is called. Corrupt data is logged once per version and skipped.
   */
  watch(onModel: (stored: StoredJobModel) => void): () => void {
    let last: Buffer | undefined;
    const loop = new SessionLoop(
      this.session,
      async ({ client, waitFor }) => {
        await waitFor(async (watcher) => {
          const node = await ignoreNoNode(client.get(this.path, watcher));
          // Not written yet: wait for its creation instead (exists can watch a missing node).
          if (node === undefined) return (await client.exists(this.path, watcher)) === null;
          if (last === undefined || !node.data.equals(last)) {
            last = node.data;
            this.deliver(node.data, node.version, onModel);
          }
          return true;
        });
      },
      { what: 'job model watch', log: this.log },
    );
    loop.start();
    return () => loop.stop();
  }

  private deliver(data: Buffer, version: number, onModel: (stored: StoredJobModel) => void): void {
    let model: JobModel;
    try {
      model = decodeJobModel(data);
    } catch (error) {
      this.log.error('the stored job model cannot be read; waiting for the next one', { version, error: describeError(error) });
      return;
    }
    try {
      onModel({ model, version });
    } catch (error) {
      // The watcher's own failure must not stop the watch (nor be retried as if ZooKeeper had failed).
      this.log.error('job model listener failed', { version, error: describeError(error) });
    }
  }
}
