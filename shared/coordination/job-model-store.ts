/**
 * The current job model in ZooKeeper: a root node (`/sluice/<job>/jobmodel/current`) and one part
 * per container (job-model-parts.ts), so a model of any number of containers fits and a rescale
 * writes only the containers that changed. The leader reads it with the root's ZooKeeper data
 * version and publishes the next model with a fenced compare-and-set of the root (fenced-write.ts):
 * a stale read gets ZK_BAD_VERSION, a deposed leader ZK_FENCED. The root is created at version 1
 * and never deleted, so versions only grow. Containers `watch()` the root and get every new model
 * (a watch is re-armed on every session, and a model that changed while no watch was set is
 * delivered on the next read).
 */
import { describeError, SluiceError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { validateJobModel, type JobModel } from '../model/job-model.js';
import { fencedOps, fencedWrite } from './fenced-write.js';
import { ignoreNoNode, ZkCodes, ZkError } from './errors.js';
import { decodePart, decodeRoot, encodeRoot, partName, planParts, type StoredParts } from './job-model-parts.js';
import { jobModelPartsDir, jobModelPath } from './layout.js';
import type { LeaderToken } from './leader-election.js';
import { SessionLoop } from './session-loop.js';
import type { ZkClient } from './zk-client.js';
import type { ZkSession } from './zk-session.js';

export interface StoredJobModel {
  readonly model: JobModel;
  /** ZooKeeper data version of the node (≥ 1): pass it back to write() as expectedVersion. */
  readonly version: number;
}

/** A root whose parts were read: the model, or `moved` when a part was deleted because a newer root replaced it. */
type Assembled = { readonly model: JobModel; readonly parts: StoredParts | undefined } | 'moved';

export class JobModelStore {
  private readonly path: string;
  private readonly partsDir: string;
  private readonly log: Logger;
  /** What this store last read or wrote, and the root's data version then: the next write diffs against it. */
  private last: { readonly version: number; readonly parts: StoredParts | undefined } | undefined;

  constructor(
    private readonly session: ZkSession,
    private readonly job: string,
  ) {
    this.path = jobModelPath(job);
    this.partsDir = jobModelPartsDir(job);
    this.log = createLogger({ component: 'job-model-store', job });
  }

  /** The current model, or null when none was written yet. */
  async read(): Promise<StoredJobModel | null> {
    const client = this.session.client;
    for (;;) {
      const node = await ignoreNoNode(client.get(this.path));
      if (node === undefined) return null;
      const assembled = await this.assemble(client, node.data);
      if (assembled === 'moved') continue;
      this.last = { version: node.version, parts: assembled.parts };
      return { model: assembled.model, version: node.version };
    }
  }

  /**
   * Writes `model` if the stored one is still at `expectedVersion` (null: none stored yet) and
   * `token`'s leader still leads: first the parts of the containers that changed, then the root
   * (compare-and-set), then the parts it replaced are deleted. Returns the root's new version.
   */
  async write(model: JobModel, expectedVersion: number | null, token: LeaderToken): Promise<number> {
    if (model.job !== this.job || token.job !== this.job) {
      const message = `job model of '${model.job}' (leader of '${token.job}') cannot be written for job '${this.job}'`;
      throw new ZkError(ZkCodes.badArguments, message, { context: { job: this.job } });
    }
    const client = this.session.client;
    if (expectedVersion !== null && this.last?.version !== expectedVersion) await this.read();
    const stored = expectedVersion === null ? undefined : this.last?.parts;
    const plan = planParts(model, stored);
    await client.mkdirp(this.partsDir);
    // Parts the current root does not name (left by a write whose root never moved) would block a
    // create of the same name; the ones it names are live, whatever this write expects.
    const current = await ignoreNoNode(client.get(this.path));
    const root = current === undefined ? undefined : decodeRoot(current.data);
    const named = new Set(root === undefined || 'whole' in root ? [] : root.containers.map(partName));
    const leftovers = ((await ignoreNoNode(client.getChildren(this.partsDir))) ?? []).filter((name) => !named.has(name));
    await fencedOps(
      client,
      token,
      leftovers.map((name) => ({ op: 'remove', path: `${this.partsDir}/${name}`, version: -1 })),
    );
    await fencedOps(
      client,
      token,
      plan.created.map((part) => ({
        op: 'create',
        path: this.partPath(partName(part)),
        data: plan.next.parts.get(part.id) ?? Buffer.alloc(0),
      })),
    );
    const version = await fencedWrite(client, token, this.path, encodeRoot(plan.next.root), expectedVersion);
    this.last = { version, parts: plan.next };
    await fencedOps(
      client,
      token,
      plan.replaced.map((part) => ({ op: 'remove', path: this.partPath(partName(part)), version: -1 })),
    ).catch((error: unknown) =>
      this.log.warn('cannot delete replaced job model parts; the next write does', { error: describeError(error) }),
    );
    return version;
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
          if (last !== undefined && node.data.equals(last)) return true;
          let assembled: Assembled;
          try {
            assembled = await this.assemble(client, node.data);
          } catch (error) {
            if (error instanceof ZkError) throw error; // ZooKeeper failed: the loop retries
            last = node.data;
            this.log.error('the stored job model cannot be read; waiting for the next one', {
              version: node.version,
              error: describeError(error),
            });
            return true;
          }
          if (assembled === 'moved') return false; // a newer root is there already: read it
          last = node.data;
          this.deliver(assembled.model, node.version, onModel);
          return true;
        });
      },
      { what: 'job model watch', log: this.log },
    );
    loop.start();
    return () => loop.stop();
  }

  private partPath(name: string): string {
    return `${this.partsDir}/${name}`;
  }

  /** The model a root names, with its parts read (all at once: ZooKeeper pipelines them). */
  private async assemble(client: ZkClient, data: Buffer): Promise<Assembled> {
    const root = decodeRoot(data);
    if ('whole' in root) return { model: root.whole, parts: undefined };
    const read = await Promise.all(root.containers.map((part) => ignoreNoNode(client.get(this.partPath(partName(part))))));
    const missing = root.containers.find((_, i) => read[i] === undefined);
    if (missing !== undefined) {
      // A newer root replaced this one and its parts went: read again. The same root without its part is corrupt, not a race.
      const again = await ignoreNoNode(client.get(this.path));
      if (again === undefined || !again.data.equals(data)) return 'moved';
      const message = `job model ${root.version} of '${root.job}' names part ${partName(missing)}, which does not exist`;
      throw new SluiceError('MODEL_PART_MISSING', message, { context: { job: root.job, part: partName(missing) } });
    }
    const parts = new Map(root.containers.map((part, i): [string, Buffer] => [part.id, read[i]?.data ?? Buffer.alloc(0)]));
    const model: JobModel = {
      job: root.job,
      version: root.version,
      containers: root.containers.map((part) => decodePart(parts.get(part.id) ?? Buffer.alloc(0), part)),
    };
    validateJobModel(model);
    return { model, parts: { root, parts } };
  }

  private deliver(model: JobModel, version: number, onModel: (stored: StoredJobModel) => void): void {
    try {
      onModel({ model, version });
    } catch (error) {
      // The watcher's own failure must not stop the watch (nor be retried as if ZooKeeper had failed).
      this.log.error('job model listener failed', { version, error: describeError(error) });
    }
  }
}
