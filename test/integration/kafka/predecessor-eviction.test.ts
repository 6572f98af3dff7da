/**
 * A container's input removes its dead predecessors from the job's consumer group before it joins
 * (shared/kafka/evict-predecessors.ts). Each container is a real process running the real
 * KafkaSystem input (fixtures/group-member.ts) with a 30 s session timeout. A SIGKILLed container's
 * member stays in the group until that session ends, and the rebalance its successor's join starts
 * waits for it: without the eviction the successor gets its records no sooner than ~30 s after the
 * kill, and every other member stalls meanwhile. With it, well within 15 s.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssignerProtocol, type Admin, type Kafka, type MemberDescription } from 'kafkajs';
import { readClaim } from '../../../shared/kafka/owned-partitions-assigner.js';
import { setLogLevel } from '../../../shared/log.js';
import { createTopics, testKafka, uniqueName, uniqueTopic } from '../../infra/services.js';
import { eventually } from '../coordination/helpers.js';
import { sendUntilStopped } from '../container/harness.js';
import { MemberProcess, type MemberOptions } from './member-process.js';

setLogLevel('error');

const SESSION_TIMEOUT_MS = 30_000;
/** Half the session timeout: without the eviction the successor cannot get its partitions before the dead member's session ends. */
const BOUND_MS = 15_000;
const REMOVED = 'removed earlier processes of this container from the consumer group';

interface Scenario {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly job: string;
  readonly topic: string;
  member(name: string, container: string, partitions: readonly number[], epoch?: number): MemberProcess;
}

async function scenario(t: { after(fn: () => Promise<void>): void }, partitions: number): Promise<Scenario> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const job = uniqueName('evict');
  const topic = uniqueTopic('evict-input');
  await createTopics([{ topic, numPartitions: partitions }], kafka);
  const members: MemberProcess[] = [];
  t.after(async () => {
    await Promise.all(members.map((member) => member.kill()));
    await admin.disconnect();
  });
  return {
    kafka,
    admin,
    job,
    topic,
    member: (name, container, owned, epoch = 1) => {
      const options: MemberOptions = { job, container, topic, partitions: owned, sessionTimeoutMs: SESSION_TIMEOUT_MS, epoch };
      const member = new MemberProcess(name, options);
      members.push(member);
      return member;
    },
  };
}

/** Sends one record with value `${prefix}-p${partition}` to each partition. */
async function produceEach(kafka: Kafka, topic: string, partitions: readonly number[], prefix: string): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: partitions.map((partition) => ({ partition, value: `${prefix}-p${partition}` })) });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Sends `tick-<n>` to `partition` every 100 ms until stopped: the longest gap between two ticks a
 * member is handed is how long its consumption stalled.
 */
function ticker(kafka: Kafka, topic: string, partition: number): { stop(): Promise<void> } {
  return sendUntilStopped(kafka, topic, 100, (n) => [{ partition, value: `tick-${n}` }]);
}

/** The longest time between two batches of ticks `member` was handed from `from` to `to` (ms since the epoch). */
function longestTickGap(member: MemberProcess, from: number, to: number): number {
  const ticks = member
    .events('records')
    .filter((report) => report.at >= from && report.at <= to && (report.values as string[]).some((value) => value.startsWith('tick-')))
    .map((report) => report.at);
  const times = [from, ...ticks, to];
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, (times[i] as number) - (times[i - 1] as number));
  return longest;
}

/** When `member` was handed the `${prefix}` record of each of its partitions: the latest of them. */
async function receivedAll(member: MemberProcess, prefix: string, timeoutMs: number): Promise<number> {
  const times = await Promise.all(member.options.partitions.map((partition) => member.received(`${prefix}-p${partition}`, timeoutMs)));
  return Math.max(...times);
}

/** The group once it is Stable with exactly `size` members, each with its container and assigned partitions. */
async function stableGroup(admin: Admin, job: string, topic: string, size: number) {
  return eventually(`group sluice-${job} Stable with ${size} members`, 60_000, async () => {
    const { groups } = await admin.describeGroups([`sluice-${job}`]);
    const group = groups[0];
    if (group?.state !== 'Stable' || group.members.length !== size) return undefined;
    return group.members.map((member: MemberDescription) => ({
      memberId: member.memberId,
      container: readClaim(member.memberMetadata)?.container,
      partitions: [...(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? [])].sort(),
    }));
  });
}

describe('a container joining its group removes its dead predecessors first', () => {
  it('a SIGKILLed container is replaced within seconds, and the other member keeps its partitions', { timeout: 180_000 }, async (t) => {
    const { kafka, admin, job, topic, member } = await scenario(t, 4);
    const first = member('c0-first', 'c0', [0, 1]);
    const other = member('c1', 'c1', [2, 3]);
    await produceEach(kafka, topic, [0, 1, 2, 3], 'before');
    await receivedAll(first, 'before', 60_000);
    await receivedAll(other, 'before', 60_000);
    const before = await stableGroup(admin, job, topic, 2);
    const dead = before.find((entry) => entry.container === 'c0');
    const live = before.find((entry) => entry.container === 'c1');
    assert.deepEqual(dead?.partitions, [0, 1]);
    assert.deepEqual(live?.partitions, [2, 3]);

    const ticks = ticker(kafka, topic, 2);
    t.after(() => ticks.stop());
    const killedAt = Date.now();
    await first.kill();
    await produceEach(kafka, topic, [0, 1, 2, 3], 'after');
    const successor = member('c0-successor', 'c0', [0, 1], 2);
    const successorAt = await receivedAll(successor, 'after', 60_000);
    await receivedAll(other, 'after', 60_000);
    // The other member's rebalances are over a heartbeat (3 s) after the successor's join at the latest.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await ticks.stop();
    const stall = longestTickGap(other, killedAt, successorAt + 4_000);
    const started = await successor.next('input started', 1_000);
    t.diagnostic(
      `SIGKILL → successor handed its records: ${successorAt - killedAt} ms (process spawned → records: ${successorAt - successor.spawnedAt} ms, ` +
        `input started → records: ${successorAt - started.at} ms); the other member's longest stall meanwhile: ${stall} ms`,
    );
    assert.ok(successorAt - killedAt < BOUND_MS, `the successor got its records ${successorAt - killedAt} ms after the kill`);
    assert.ok(stall < BOUND_MS, `the other member stalled for ${stall} ms`);

    const removed = await successor.next(REMOVED, 1_000);
    assert.equal(removed.container, 'c0');
    assert.deepEqual(
      (removed.members as { memberId: string }[]).map((entry) => entry.memberId),
      [dead?.memberId],
      'the dead member, by its id, and no other',
    );
    assert.equal(successor.events(REMOVED).length, 1, 'logged once');
    const after = await stableGroup(admin, job, topic, 2);
    assert.deepEqual(
      after.find((entry) => entry.container === 'c1'),
      live,
      'the other member is still the same member, with the same partitions',
    );
    assert.deepEqual(after.find((entry) => entry.container === 'c0')?.partitions, [0, 1]);
    assert.equal(other.events(REMOVED).length, 0);
  });

  it('a second successor finds its predecessor by client id while the group rebalances', { timeout: 180_000 }, async (t) => {
    const { kafka, admin, job, topic, member } = await scenario(t, 3);
    const firsts = [member('c0-first', 'c0', [0]), member('c1-first', 'c1', [1])];
    const other = member('c2', 'c2', [2]);
    await produceEach(kafka, topic, [0, 1, 2], 'before');
    for (const entry of [...firsts, other]) await receivedAll(entry, 'before', 60_000);
    const before = await stableGroup(admin, job, topic, 3);

    // Both die at once (their host did); the first successor's eviction starts a rebalance that waits for the other dead member.
    const killedAt = Date.now();
    await Promise.all(firsts.map((entry) => entry.kill()));
    await produceEach(kafka, topic, [0, 1, 2], 'after');
    const successor0 = member('c0-successor', 'c0', [0], 2);
    await successor0.next(REMOVED, 60_000);
    const successor1 = member('c1-successor', 'c1', [1], 2);
    const times = await Promise.all([successor0, successor1, other].map((entry) => receivedAll(entry, 'after', 60_000)));
    t.diagnostic(`SIGKILL → post-kill records of c0, c1 (successors) and c2: ${times.map((at) => at - killedAt).join(', ')} ms`);
    assert.ok(Math.max(...times) - killedAt < BOUND_MS + 5_000, `every member got its records within ${Math.max(...times) - killedAt} ms`);

    const removed = (await successor1.next(REMOVED, 1_000)).members as { memberId: string; startedAt?: number }[];
    assert.deepEqual(
      removed.map((entry) => entry.memberId),
      [before.find((entry) => entry.container === 'c1')?.memberId],
    );
    assert.equal(removed[0]?.startedAt, undefined, 'found by client id: the rebalancing group showed no claims');
    const after = await stableGroup(admin, job, topic, 3);
    assert.deepEqual(after.map((entry) => [entry.container, entry.partitions]).sort(), [
      ['c0', [0]],
      ['c1', [1]],
      ['c2', [2]],
    ]);
  });
});
