import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Kafka } from 'kafkajs';
import type { Ssp } from '../../../shared/api/task.js';
import { describeError, SluiceError } from '../../../shared/errors.js';
import { kafkaPrincipal } from '../../../shared/kafka/client.js';
import { kafkaRefusal, namingRefusals } from '../../../shared/kafka/errors.js';
import { evictPredecessors } from '../../../shared/kafka/evict-predecessors.js';
import { ownedPartitionsAssigner, type MemberClaim } from '../../../shared/kafka/owned-partitions-assigner.js';
import type { Logger } from '../../../shared/log.js';
import type { GroupMembership } from './group-membership.js';

export interface FencingMemberOptions {
  readonly containerId: string;
  readonly groupId: string;
  /** The kafkajs clientId of the container's clients (names its members while the group rebalances). */
  readonly clientId: string;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * The container's member of the job's consumer group, kept for what the group gives besides
 * records, which it never fetches (the container's PartitionFetcher does, so no rebalance stops
 * them). At least once, its generation fences the checkpoints, which are the group's offset commits
 * (kafka-checkpoints.ts: a commit is made only in a generation whose assignment, by ZooKeeper claim
 * epoch, gives this member every partition of the task; a zombie's commit in flight when the new
 * owner joins is refused by generation, and retried only to find the partition assigned elsewhere).
 * In both modes, a group with a member keeps its offsets for as long as it has one: a consumer
 * group that has become empty loses all of its offsets offsets.retention.minutes later, however
 * recent the commits (Kafka's GroupMetadata expiry).
 *
 * Its kafkajs consumer subscribes to the inputs (an assignment may only name subscribed topics) and
 * pauses them all when it joins, before its first fetch: kafkajs then fetches nothing and only
 * heartbeats.
 */
export class FencingMember {
  private readonly consumer: Consumer;
  private readonly topics: { topic: string }[];
  /** Once set, a crashed consumer is not restarted, and a join under way stops: a closed container must leave the group for good. */
  private closing = false;
  /** The join under way or done, which leave() waits out. */
  private joining: Promise<void> | undefined;
  private fail: (error: Error) => void = () => undefined;
  readonly failed = new Promise<Error>((resolve) => (this.fail = resolve));

  constructor(
    private readonly kafka: Kafka,
    private readonly options: FencingMemberOptions,
    private readonly claim: MemberClaim,
    ssps: readonly Ssp[],
    private readonly membership: GroupMembership,
  ) {
    this.topics = [...new Set(ssps.map((ssp) => ssp.topic))].map((topic) => ({ topic }));
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [
        ownedPartitionsAssigner(claim, (member, why) =>
          options.logger.warn('a group member does not get all the partitions it claims', { member, why }),
        ),
      ],
      allowAutoTopicCreation: false,
      retry: { restartOnFailure: async () => !this.closing },
      sessionTimeout: options.sessionTimeoutMs,
      // Members learn of a rebalance only from a heartbeat, and every member waits for the last
      // one to rejoin: at 3 s (kafkajs's default) a restarted container's join took 2–3 s; at 1 s
      // it costs one small request per second per container. A paused consumer heartbeats after
      // each idle wait of maxWaitTimeInMs.
      heartbeatInterval: Math.min(1000, Math.floor(options.sessionTimeoutMs / 3)),
      maxWaitTimeInMs: 500,
    });
  }

  /** The topics the member subscribes to, as one resource for a refusal's message. */
  private inputTopicsAttempt(): { name: string; operation: 'READ' } {
    return { name: this.topics.map(({ topic }) => topic).join(' or '), operation: 'READ' };
  }

  /**
   * Joins the group (the container does not wait for it: records need no group). A leave() while
   * this is under way stops it between its steps; leave() then waits for it, so no consumer that
   * connects after the container closed stays in the group, heartbeating, keeping its process alive.
   */
  join(): Promise<void> {
    this.joining ??= this.joinGroup();
    return this.joining;
  }

  private async joinGroup(): Promise<void> {
    const { consumer, options } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // Before the generation's first fetch: nothing is ever fetched.
      consumer.pause(this.topics);
      options.logger.info('joined the consumer group', {
        group: payload.groupId,
        leader: payload.isLeader,
        partitions: Object.values(payload.memberAssignment).flat().length,
      });
      this.membership.onJoin(consumer, payload.memberAssignment);
    });
    consumer.on(consumer.events.FETCH_START, () => this.membership.onFetchStart());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.membership.onCrash();
      if (!payload.restart) {
        const refusal = kafkaRefusal(
          payload.error,
          { group: { name: options.groupId, operation: 'READ' }, topic: this.inputTopicsAttempt() },
          kafkaPrincipal(this.kafka),
        );
        const failure =
          refusal ??
          new SluiceError('KAFKA_INPUT_FAILED', `the Kafka consumer stopped: ${describeError(payload.error)}`, { cause: payload.error });
        // A last commit that waits for the consumer to join again would wait for ever.
        this.membership.onStop(failure);
        this.fail(failure);
      }
    });
    // A dead earlier process of this container would hold up the join (and the whole group) until its session ends.
    await evictPredecessors(
      this.kafka,
      options.groupId,
      { container: options.containerId, startedAt: this.claim.startedAt, clientId: options.clientId },
      options.logger,
    );
    if (this.closing) return;
    await namingRefusals(
      { group: { name: options.groupId, operation: 'READ' }, topic: this.inputTopicsAttempt() },
      kafkaPrincipal(this.kafka),
      async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: this.topics.map(({ topic }) => topic) });
      },
    );
    if (this.closing) return;
    // Never called: every partition is paused from the join on.
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
  }

  /**
   * Leaves the group for good. 'closing': the container closes its input, so nothing is committed
   * any more. 'replaced': a new member with the container's new claim joins next (a hand-over), so
   * commits wait for it as for a rejoin after a crash.
   */
  async leave(why: 'closing' | 'replaced'): Promise<void> {
    this.closing = true;
    if (why === 'replaced') this.membership.onCrash();
    else
      this.membership.onStop(
        new SluiceError('KAFKA_INPUT_CLOSED', 'the container closed its Kafka consumer: no checkpoint is committed through it any more'),
      );
    await this.consumer.disconnect();
    // A join under way may have connected after that: once it has stopped (or a session later,
    // whatever kafkajs does with a join a disconnect cut short), disconnect again. The bound's timer
    // is unref'd: a closed container's process must not wait it out before exiting.
    await Promise.race([this.joining?.catch(() => undefined), sleep(this.options.sessionTimeoutMs, undefined, { ref: false })]);
    await this.consumer.disconnect();
  }
}
