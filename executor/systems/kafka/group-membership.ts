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
 * nothing (and says nothing) while it restarts a crashed consumer, so a commit is only made on a
 * consumer that has joined since its last crash, and counted as made only if no crash came between.
 */
export class GroupMembership {
  private joined: JoinedConsumer | undefined;
  private crashes = 0;
  private waiters: ((joined: JoinedConsumer) => void)[] = [];

  /** A generation began (kafkajs GROUP_JOIN): its assignment is what this member may commit. */
  onJoin(consumer: Consumer, assignment: Readonly<Record<string, readonly number[]>>): void {
    const assigned = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}\u0000${p}`)));
    const joined = { consumer, assigned, crashes: this.crashes };
    this.joined = joined;
    for (const resolve of this.waiters.splice(0)) resolve(joined);
  }

  /** The consumer crashed (kafkajs CRASH): nothing it commits counts until it joins again. */
  onCrash(): void {
    this.crashes++;
    this.joined = undefined;
  }

  get crashCount(): number {
    return this.crashes;
  }

  /** The consumer once it is joined (now, or after its next join). */
  current(): Promise<JoinedConsumer> {
    if (this.joined) return Promise.resolve(this.joined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
