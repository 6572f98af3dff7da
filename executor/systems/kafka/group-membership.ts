import type { Consumer } from 'kafkajs';

/** The consumer as the checkpoint store may use it: joined in a generation, with that generation's assignment. */
export interface JoinedConsumer {
  readonly consumer: Consumer;
  /** "topic\0partition" of every partition the generation assigned to this member. */
  readonly assigned: ReadonlySet<string>;
  /** Bumped by every crash: a commit whose call spans one may not have happened. */
  readonly crashes: number;
}

/**
 * The container's standing in the job's consumer group, as its input sees it. kafkajs commits
 * nothing, and says nothing of it, while its consumer does not run: between a join and the start
 * of its fetch loop (GROUP_JOIN comes first), and while it restarts after a crash. So a commit is
 * made only on a consumer that has joined and runs, and counted as made only if no crash came
 * between. A consumer that stopped for good (a crash it is not restarted from, or closed) never
 * joins again: from then on every wait for it fails, at once, with the reason.
 */
export class GroupMembership {
  private joined: JoinedConsumer | undefined;
  private running = false;
  private crashes = 0;
  private stopped: Error | undefined;
  private waiters: { resolve: (joined: JoinedConsumer) => void; reject: (reason: Error) => void }[] = [];
  /** Woken by every join, crash and stop. */
  private changeWaiters: (() => void)[] = [];

  /** A generation began (kafkajs GROUP_JOIN): its assignment is what this member may commit. */
  onJoin(consumer: Consumer, assignment: Readonly<Record<string, readonly number[]>>): void {
    const assigned = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}\u0000${p}`)));
    this.joined = { consumer, assigned, crashes: this.crashes };
    this.changed();
    this.release();
  }

  /** The consumer's fetch loop runs (kafkajs FETCH_START, emitted only while it does). */
  onFetchStart(): void {
    if (this.running) return;
    this.running = true;
    this.release();
  }

  /** The consumer crashed (kafkajs CRASH): nothing it commits counts until it runs and joins again. */
  onCrash(): void {
    this.crashes++;
    this.running = false;
    this.joined = undefined;
    this.changed();
  }

  /** The consumer stopped for good (a crash without restart, or its close): nothing can be committed through it any more. */
  onStop(reason: Error): void {
    this.stopped ??= reason;
    this.running = false;
    this.joined = undefined;
    for (const { reject } of this.waiters.splice(0)) reject(this.stopped);
    this.changed();
  }

  /**
   * Resolves once the member is no longer in the generation `joined` was (it joined again, crashed
   * or stopped): a commit the group refused during a rebalance is made again as soon as it can be.
   */
  changedSince(joined: JoinedConsumer): Promise<void> {
    if (this.joined !== joined || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  get crashCount(): number {
    return this.crashes;
  }

  /** The consumer once it is joined and running (now, or when it next is); fails once it stopped for good. */
  current(): Promise<JoinedConsumer> {
    if (this.stopped) return Promise.reject(this.stopped);
    const { joined } = this;
    if (joined && this.running) return Promise.resolve(joined);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private changed(): void {
    for (const wake of this.changeWaiters.splice(0)) wake();
  }

  private release(): void {
    const { joined } = this;
    if (!joined || !this.running || this.stopped) return;
    for (const { resolve } of this.waiters.splice(0)) resolve(joined);
  }
}
