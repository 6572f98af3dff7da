/**
 * Leader election among scheduler candidates. Each candidate creates an ephemeral sequential node
 * `/sluice/<job>/leader/n_<session>_<seq>`; the lowest sequence leads. A candidate watches only
 * its predecessor (no herd effect: one deletion wakes one candidate), and the leader watches its
 * own node (deleted by an operator → it re-enters).
 *
 * Leadership is `isLeader()`: our node is the lowest AND the session lease holds (zk-session.ts).
 * So it ends at once, without waiting for the library, when the session expires, when the process
 * was disconnected or paused for about the session timeout, or on stop(): 'deposed' is emitted and
 * the old leader must stop acting. A new session re-enters at the back of the queue. Writes that
 * must not come from a deposed leader carry `token()` and are fenced in ZooKeeper (fenced-write.ts),
 * because a check of isLeader() can always be stale by the time a write lands.
 *
 * The sequential create is never retried by the library (retries would duplicate the node). When
 * its reply is lost (timeout, connection loss) the node may exist anyway: it is found by the
 * session id in its name, and any extra node of ours is deleted, keeping our earliest place.
 */
import { EventEmitter } from 'node:events';
import { createLogger, type Logger, type LogFields } from '../log.js';
import { ignoreNoNode, ZkCodes, ZkError } from './errors.js';
import { candidatePrefix, leaderDir, sortCandidates } from './layout.js';
import { SessionLoop, type LoopContext } from './session-loop.js';
import type { ZkClient } from './zk-client.js';
import type { ZkSession, ZkSessionState } from './zk-session.js';

/** Proof of leadership at one moment: the election node whose existence fences the leader's writes. */
export interface LeaderToken {
  readonly job: string;
  readonly node: string;
  readonly session: string;
}

export interface LeaderElectionOptions {
  readonly job: string;
  /** Who this candidate is (e.g. 'host:pid'), for logs and the node's data. */
  readonly candidate: string;
  /** Where this candidate's API is (e.g. http://host:8080), for the others to point clients to the leader. */
  readonly api?: string;
  readonly log?: LogFields;
}

/** What a candidate's node says of it. */
export interface CandidateInfo {
  readonly candidate: string;
  readonly api?: string;
}

export interface LeaderElectionEvents {
  elected: [token: LeaderToken];
  deposed: [reason: string];
}

export class LeaderElection extends EventEmitter<LeaderElectionEvents> {
  private readonly log: Logger;
  private readonly loop: SessionLoop;
  private readonly dir: string;
  /** Our election node in the current session, once known. */
  private node: string | undefined;
  /** Id of the session in which our node was last seen lowest; undefined when it is not. */
  private lowestIn: string | undefined;
  private leading = false;

  constructor(
    private readonly session: ZkSession,
    private readonly options: LeaderElectionOptions,
  ) {
    super();
    this.dir = leaderDir(options.job);
    this.log = createLogger({ component: 'leader-election', job: options.job, candidate: options.candidate, ...options.log });
    this.loop = new SessionLoop(session, (context) => this.step(context), { what: 'leader election', log: this.log });
  }

  /** Enters the election on the current session and on every new one. */
  start(): this {
    this.session.on('state', this.onState);
    this.loop.start();
    return this;
  }

  /** Leaves the election: deposed at once, and our node is deleted so the next candidate leads. */
  async stop(): Promise<void> {
    this.loop.stop();
    this.session.off('state', this.onState);
    const node = this.node;
    this.node = undefined;
    this.setLowest(undefined, 'stopped');
    if (node !== undefined && this.session.state === 'connected') await this.withdraw(this.session.client).catch(() => undefined);
  }

  /** True while our node is the lowest and the session surely still holds it. */
  isLeader(): boolean {
    return this.lowestIn !== undefined && this.session.hasLease() && this.lowestIn === this.session.client.sessionId;
  }

  /**
   * Who leads now, as its node says (a standby points clients there); undefined when nobody does
   * or ZooKeeper cannot be asked. A hint only: it can be stale by the time it is used.
   */
  async leader(): Promise<CandidateInfo | undefined> {
    if (this.session.state !== 'connected') return undefined;
    const client = this.session.client;
    try {
      for (const candidate of sortCandidates(await client.getChildren(this.dir))) {
        // The lowest node may vanish between the two reads: then the next one leads.
        const node = await ignoreNoNode(client.get(`${this.dir}/${candidate.name}`));
        if (node === undefined) continue;
        const info = JSON.parse(node.data.toString('utf8')) as Partial<CandidateInfo>;
        return { candidate: String(info.candidate), ...(typeof info.api === 'string' ? { api: info.api } : {}) };
      }
    } catch {
      // Not connected after all, or a node that is not ours to read: no hint.
    }
    return undefined;
  }

  /** The fencing token for writes only the leader may make; throws ZK_NOT_LEADER when not the leader. */
  token(): LeaderToken {
    if (!this.isLeader() || this.node === undefined) {
      throw new ZkError(ZkCodes.notLeader, `candidate ${this.options.candidate} is not the leader of job '${this.options.job}'`, {
        context: { job: this.options.job },
      });
    }
    return { job: this.options.job, node: this.node, session: this.session.client.sessionId };
  }

  private readonly onState = (state: ZkSessionState): void => {
    if (state !== 'expired' && state !== 'closed') return;
    this.node = undefined;
    this.setLowest(undefined, `ZooKeeper session ${state}`);
  };

  /** One pass: make sure our node exists, then wait on our predecessor (or, as leader, on our own node). */
  private async step({ client, waitFor, active }: LoopContext): Promise<void> {
    let createError: unknown;
    if (this.node === undefined) {
      await client.mkdirp(this.dir);
      const data = Buffer.from(
        JSON.stringify({
          candidate: this.options.candidate,
          session: client.sessionId,
          ...(this.options.api === undefined ? {} : { api: this.options.api }),
        }),
      );
      try {
        const created = await client.create(candidatePrefix(this.options.job, client.sessionId), data, 'ephemeral-sequential');
        if (!active()) return; // a late reply about a session that ended: its node is gone
        this.node = created;
        this.log.info('joined the leader election', { node: this.node, session: client.sessionId });
      } catch (error) {
        if (!(error instanceof ZkError && error.retriable)) throw error;
        createError = error; // the node may exist anyway: look for it below
      }
    }
    const queue = sortCandidates(await client.getChildren(this.dir));
    if (!active()) return; // the session ended meanwhile: this answer is about a dead node
    const ours = queue.filter((candidate) => candidate.sessionId === client.sessionId);
    const me = ours[0];
    if (me === undefined) {
      this.node = undefined;
      this.setLowest(undefined, 'our election node is gone');
      if (createError !== undefined) throw createError;
      return;
    }
    const node = `${this.dir}/${me.name}`;
    if (node !== this.node) this.log.info('found our election node after a lost reply', { node });
    this.node = node;
    for (const extra of ours.slice(1)) await ignoreNoNode(client.remove(`${this.dir}/${extra.name}`, -1));

    if (!active()) return;
    const index = queue.indexOf(me);
    const predecessor = queue[index - 1];
    this.setLowest(predecessor === undefined ? client.sessionId : undefined, 'a candidate before us appeared');
    const watched = predecessor === undefined ? node : `${this.dir}/${predecessor.name}`;
    await waitFor(async (watcher) => (await client.exists(watched, watcher)) !== null);
  }

  private async withdraw(client: ZkClient): Promise<void> {
    const queue = sortCandidates(await client.getChildren(this.dir));
    for (const candidate of queue) {
      if (candidate.sessionId === client.sessionId) await ignoreNoNode(client.remove(`${this.dir}/${candidate.name}`, -1));
    }
  }

  private setLowest(session: string | undefined, reason: string): void {
    this.lowestIn = session;
    const leader = this.isLeader();
    if (leader === this.leading) return;
    this.leading = leader;
    if (leader) {
      const token = this.token();
      this.log.info('elected leader', { node: token.node, session: token.session });
      this.emit('elected', token);
    } else {
      this.log.warn('deposed: no longer the leader', { reason });
      this.emit('deposed', reason);
    }
  }
}
