/**
 * One scheduler process of a job: joins the ZooKeeper leader election and runs the framework
 * only while it leads. Deposed (session lost, lease lapsed, stopped), it stops acting at once:
 * the framework closes its Mesos stream, and its ZooKeeper writes are fenced anyway. A standby
 * that is elected starts a framework that fails over to the stored FrameworkID, so the running
 * executors are kept.
 */
import os from 'node:os';
import { guardJobRoot } from '../shared/coordination/job-root.js';
import { LeaderElection } from '../shared/coordination/leader-election.js';
import type { DigestAuth } from '../shared/coordination/zk-acl.js';
import { ZkSession } from '../shared/coordination/zk-session.js';
import { describeError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/log.js';
import { Framework } from './framework/framework.js';
import type { FrameworkOptions } from './framework/framework-options.js';
import { SerialQueue } from '../shared/serial-queue.js';

export interface SchedulerServiceOptions {
  readonly framework: FrameworkOptions;
  /** ZooKeeper connect string. */
  readonly zookeeper: string;
  /** The job's ZooKeeper credentials (zk-credentials.ts); with them its nodes are its own, checked at start. */
  readonly zookeeperAuth?: DigestAuth;
  /** Who this candidate is, for logs (default host:pid). */
  readonly candidate?: string;
  /** This process's API URL, which standbys name to clients as the leader's while it leads. */
  readonly apiUrl?: string;
  /** Delay before retrying a framework start that failed while still leading. */
  readonly retryMs?: number;
  /**
   * The ZooKeeper session timeout of this candidate (default 10 s): how long a dead leader leads
   * on, so the bound of a failover. Shorter fails over sooner, but a pause or a network blip that
   * long deposes a live leader (its framework stops and a standby takes over); ZooKeeper keeps it
   * within 2–20 of its tickTimes.
   */
  readonly electionSessionMs?: number;
}

export type SchedulerRole = 'leader' | 'standby';

export class SchedulerService {
  readonly session: ZkSession;
  private readonly election: LeaderElection;
  private readonly log: Logger;
  private current: Framework | undefined;
  /** Starts and stops run one after another, in the order leadership changed. */
  private readonly changes: SerialQueue;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastStartFailure: string | undefined;
  private starting: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: SchedulerServiceOptions) {
    const job = options.framework.config.name;
    const candidate = options.candidate ?? `${os.hostname()}:${process.pid}`;
    this.log = createLogger({ job, component: 'scheduler', candidate });
    this.changes = new SerialQueue((error) => this.log.error('leadership change failed', { error: describeError(error) }));
    this.session = new ZkSession({
      connect: options.zookeeper,
      sessionTimeoutMs: options.electionSessionMs,
      ...(options.zookeeperAuth === undefined ? {} : { auth: options.zookeeperAuth }),
      log: { job },
    });
    this.election = new LeaderElection(this.session, { job, candidate, ...(options.apiUrl === undefined ? {} : { api: options.apiUrl }) });
    this.election.on('elected', () => this.changes.push(() => this.lead()));
    this.election.on('deposed', (reason) => {
      clearTimeout(this.retryTimer);
      // Close the stream now, not after queued work: a deposed leader must stop acting at once.
      const stopping = this.current?.stop();
      this.current = undefined;
      this.changes.push(async () => {
        await stopping;
        this.log.warn('standing by: no longer the leader', { reason });
      });
    });
  }

  /**
   * Joins the election. With credentials it first checks that the job's root in ZooKeeper is the
   * job's own (`started()` rejects, and the session is closed, when it is not): a scheduler never
   * leads on nodes others may read or change.
   */
  start(): this {
    this.session.start();
    const auth = this.options.zookeeperAuth;
    if (auth === undefined) {
      this.election.start();
      return this;
    }
    this.starting = guardJobRoot(this.session, this.options.framework.config.name, auth).then(
      () => {
        if (!this.stopped) this.election.start();
      },
      async (error: unknown) => {
        if (this.stopped) return;
        this.log.error('not joining the election: the start check failed', { error: describeError(error) });
        await this.session.close();
        throw error;
      },
    );
    this.starting.catch(() => undefined);
    return this;
  }

  /** Resolves once the election is joined; rejects with the start check's error (see start()). */
  async started(): Promise<void> {
    await this.starting;
  }

  get role(): SchedulerRole {
    return this.election.isLeader() && this.current !== undefined ? 'leader' : 'standby';
  }

  /** The leader's API URL as it advertised it, for a standby to point clients there (a hint: it may be stale). */
  async leaderApi(): Promise<string | undefined> {
    // Elected but its framework not started (yet): the lowest node is our own; no one to point to.
    if (this.election.isLeader()) return undefined;
    return (await this.election.leader())?.api;
  }

  /** The running framework while this process leads. */
  get framework(): Framework | undefined {
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const framework = this.current;
    this.current = undefined;
    await framework?.stop();
    await this.election.stop();
    await this.changes.close();
    await this.session.close();
  }

  private async lead(): Promise<void> {
    if (!this.election.isLeader() || this.current !== undefined) return;
    const framework = new Framework(this.options.framework, this.session, () => this.election.token());
    this.current = framework;
    try {
      await framework.start();
      this.lastStartFailure = undefined;
      this.log.info('leading: the framework runs');
    } catch (error) {
      await framework.stop();
      if (this.current === framework) this.current = undefined;
      // Logged once per distinct failure: a missing topic must not print a line every few seconds.
      const reason = describeError(error);
      if (reason !== this.lastStartFailure) this.log.error('the framework could not start; retrying while leading', { error: reason });
      this.lastStartFailure = reason;
      this.retryTimer = setTimeout(() => this.changes.push(() => this.lead()), this.options.retryMs ?? 5_000);
    }
  }
}
