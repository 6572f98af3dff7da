/**
 * The hand-over barrier: no task (so no input partition, no store) is ever processed by two
 * containers at once while the job model changes. It works per task, with ephemeral CLAIM nodes
 * `/sluice/<job>/tasks/<task>`: a container may process a task only while it holds the task's claim.
 *
 * Protocol (a job model change from V to V+1):
 *   1. announce: the leader writes model V+1 (JobModelStore.write, fenced). Nothing else: the
 *      leader takes no part in the hand-over itself, so a leader failover cannot wedge it.
 *   2. acknowledge: every container that loses tasks in V+1 stops them AFTER their final commit,
 *      then calls `release(lost)`: their claims are deleted.
 *   3. awaitReleased: every container that gains tasks calls `awaitReleased(gained)`, which
 *      claims each task as soon as no other container holds it (released in step 2, or the
 *      holder's session ended), and only then starts them (restore, then process).
 *   4. The container publishes V+1 as its model version (ContainerRegistration.setModelVersion);
 *      the leader sees the change completed when every live container reports V+1.
 *
 * A container must release what it loses before awaiting what it gains (never hold-and-wait), so
 * two containers swapping tasks cannot deadlock. Because claims are per task rather than per
 * version, a container that skips versions (V+1 and V+2 written in quick succession) or restarts
 * is just as safe: a claim node exists at most once, whatever model each container has seen.
 * A giver that never releases (hung) only delays the tasks it holds: awaitReleased fails after its
 * timeout naming the holder, and the scheduler should kill that container (its claims then vanish).
 *
 * Claims live and die with the session: on expiry 'lost' is emitted with the tasks, and the
 * container must stop them at once WITHOUT committing (another container may already own them),
 * then claim them again. `holds(task)` also checks the session lease, so a container paused for
 * about the session timeout stops processing before it notices anything else.
 *
 * Each claim has an epoch, the zxid of its creation: every later claim of a task (by any container)
 * has a higher one, so a task's writes can say which owner made them and a zombie's be told apart.
 */
import { EventEmitter } from 'node:events';
import { createLogger, type Logger, type LogFields } from '../log.js';
import { hasZkCode, ignoreNoNode, ZkCodes, ZkError } from './errors.js';
import { taskClaimPath, taskClaimsDir } from './layout.js';
import type { ZkClient } from './zk-client.js';
import type { ZkSession, ZkSessionState } from './zk-session.js';

export interface HandOverBarrierOptions {
  readonly job: string;
  readonly containerId: string;
  readonly log?: LogFields;
}

export interface AwaitReleasedOptions {
  /** Give up (ZK_TIMEOUT naming the holders) after this long; claims already made are kept. */
  readonly timeoutMs: number;
  /** The job model version the tasks are claimed for, recorded in the claim for diagnosis. */
  readonly modelVersion?: number;
}

export interface HandOverBarrierEvents {
  /** The session ended and with it these claims: stop the tasks now, without committing. */
  lost: [tasks: string[]];
}

const RETRY_MS = 200;

function holderOf(data: Buffer): string {
  try {
    return String((JSON.parse(data.toString('utf8')) as { container?: unknown }).container ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

export class HandOverBarrier extends EventEmitter<HandOverBarrierEvents> {
  private readonly log: Logger;
  /** Task → the session that holds its claim and the claim's epoch. */
  private readonly held = new Map<string, { readonly session: string; readonly epoch: bigint }>();
  /** Rejects the pending waits of awaitReleased when the session ends. */
  private readonly aborts = new Set<(error: ZkError) => void>();

  constructor(
    private readonly session: ZkSession,
    private readonly options: HandOverBarrierOptions,
  ) {
    super();
    this.log = createLogger({ component: 'hand-over-barrier', job: options.job, container: options.containerId, ...options.log });
  }

  start(): this {
    this.session.on('state', this.onState);
    return this;
  }

  stop(): void {
    this.session.off('state', this.onState);
  }

  /** True while we hold the task's claim in the current session and the session lease holds. */
  holds(task: string): boolean {
    return this.session.hasLease() && this.held.get(task)?.session === this.session.client.sessionId;
  }

  /** The epoch of our claim of the task (see above); undefined when we do not hold it. */
  epochOf(task: string): bigint | undefined {
    return this.held.get(task)?.epoch;
  }

  /** The tasks whose claims we hold. */
  heldTasks(): string[] {
    return [...this.held.keys()].sort();
  }

  /**
   * Claims every task, each as soon as no other container holds it. Resolves when all are ours;
   * rejects on timeout (ZK_TIMEOUT) or when the session ends (ZK_SESSION_EXPIRED).
   */
  async awaitReleased(tasks: readonly string[], options: AwaitReleasedOptions): Promise<void> {
    const client = this.session.client;
    const deadline = performance.now() + options.timeoutMs;
    const data = Buffer.from(JSON.stringify({ container: this.options.containerId, modelVersion: options.modelVersion ?? null }));
    await Promise.all(tasks.map((task) => this.claim(client, task, data, deadline)));
  }

  /**
   * The acknowledgement: call after the tasks are committed and stopped. Deletes our claims (only
   * ours: a claim of another session is left alone), so their new owners may start them.
   */
  async release(tasks: readonly string[]): Promise<void> {
    const client = this.session.client;
    for (const task of tasks) {
      const path = taskClaimPath(this.options.job, task);
      const node = await ignoreNoNode(client.get(path));
      if (node !== undefined && node.stat.ephemeralOwner === client.sessionId) await ignoreNoNode(client.remove(path, node.version));
      this.held.delete(task);
    }
  }

  private readonly onState = (state: ZkSessionState): void => {
    if (state !== 'expired' && state !== 'closed') return;
    for (const abort of [...this.aborts]) abort(this.sessionEnded());
    if (this.held.size === 0) return;
    const lost = this.heldTasks();
    this.held.clear();
    this.log.warn('task claims lost with the ZooKeeper session; their tasks must stop now', { tasks: lost, state });
    this.emit('lost', lost);
  };

  private async claim(client: ZkClient, task: string, data: Buffer, deadline: number): Promise<void> {
    const path = taskClaimPath(this.options.job, task);
    for (;;) {
      if (!this.isCurrent(client)) throw this.sessionEnded();
      try {
        await client.create(path, data, 'ephemeral');
        // The create's reply carries no stat: read the epoch (the node cannot change hands while our session lives).
        const stat = await client.exists(path);
        if (stat === null || stat.ephemeralOwner !== client.sessionId) continue;
        this.held.set(task, { session: client.sessionId, epoch: stat.czxid });
        return;
      } catch (error) {
        // The first claim of the job: create the parent only then (every create costs a ZooKeeper transaction, failed ones too).
        if (hasZkCode(error, 'ZK_NO_NODE')) {
          await client.mkdirp(taskClaimsDir(this.options.job));
          continue;
        }
        // NODE_EXISTS: held by someone. Retriable: the reply was lost and the claim may be ours.
        if (!hasZkCode(error, 'ZK_NODE_EXISTS') && !(error instanceof ZkError && error.retriable)) throw error;
      }
      let changed = (): void => undefined;
      const released = new Promise<void>((resolve) => (changed = resolve));
      const node = await ignoreNoNode(client.get(path, () => changed())).catch((error: unknown) => {
        if (error instanceof ZkError && error.retriable) return null; // try again after a pause
        throw error;
      });
      if (node !== undefined && node !== null && node.stat.ephemeralOwner === client.sessionId) {
        this.held.set(task, { session: client.sessionId, epoch: node.stat.czxid });
        return;
      }
      if (node === undefined) continue; // released between our create and our read
      const holder = node === null ? 'unknown (ZooKeeper did not answer)' : holderOf(node.data);
      const wait = node === null ? new Promise<void>((resolve) => setTimeout(resolve, RETRY_MS)) : released;
      await this.waitUntil(wait, deadline, () => `task '${task}' is still held by container '${holder}'; stop that container to free it`);
    }
  }

  private isCurrent(client: ZkClient): boolean {
    const state = this.session.state;
    return state !== 'expired' && state !== 'closed' && this.session.client === client;
  }

  private sessionEnded(): ZkError {
    return new ZkError('ZK_SESSION_EXPIRED', 'the ZooKeeper session ended while claiming tasks; claim them again', { retriable: true });
  }

  /** Resolves with `event`; rejects at the deadline or when the session ends. */
  private waitUntil(event: Promise<void>, deadline: number, holder: () => string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: ZkError): void => {
        clearTimeout(timer);
        this.aborts.delete(finish);
        if (error === undefined) resolve();
        else reject(error);
      };
      const timer = setTimeout(
        () => {
          const message = `hand-over not complete: ${holder()}`;
          finish(new ZkError(ZkCodes.timeout, message, { retriable: true, context: { job: this.options.job } }));
        },
        Math.max(0, deadline - performance.now()),
      );
      this.aborts.add(finish);
      void event.then(() => finish());
    });
  }
}
