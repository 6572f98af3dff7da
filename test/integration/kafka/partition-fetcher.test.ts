/**
 * The group-less PartitionFetcher (shared/kafka/partition-fetcher.ts) on the run's real broker, and
 * on a three-node cluster whose leader of a partition is killed and restarted while it fetches.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { startKafkaCluster, type RunningKafka } from '../../../dev/services/kafka.js';
import { infraSettings } from '../../../dev/services/settings.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { PartitionFetcher, type FetchedBatch } from '../../../shared/kafka/partition-fetcher.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { createLogger, setLogLevel } from '../../../shared/log.js';
import { createTopics, kafkaBrokers, uniqueName, uniqueTopic } from '../../infra/services.js';
import { eventually } from '../coordination/helpers.js';
import { longestGap, sendUntilStopped } from '../container/harness.js';

setLogLevel('error');

interface Seen {
  readonly offset: number;
  readonly value: string;
  /** When it was handed on (Date.now()). */
  readonly at: number;
}

/** A fetcher whose batches are recorded per partition; `room` decides each batch's back-pressure. */
async function recordingFetcher(
  kafka: Kafka,
  room: (batch: FetchedBatch) => Promise<void> | void = () => undefined,
  readCommitted = true,
): Promise<{ fetcher: PartitionFetcher; seen: Map<number, Seen[]> }> {
  const seen = new Map<number, Seen[]>();
  const fetcher = await PartitionFetcher.open(kafka, {
    readCommitted,
    maxBytesPerPartition: 16 * 1024,
    maxWaitTimeInMs: 200,
    logger: createLogger({ component: 'fetcher-test' }),
    onBatch: (batch) => {
      const list = seen.get(batch.partition) ?? [];
      const at = Date.now();
      for (const record of batch.records) list.push({ offset: Number(record.offset), value: String(record.value), at });
      seen.set(batch.partition, list);
      return room(batch);
    },
  });
  return { fetcher, seen };
}

async function produce(kafka: Kafka, topic: string, messages: { partition: number; value: string }[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Sends `${partition}-${n}` to each partition every `everyMs` until stopped; the values sent, per partition. */
function ticker(kafka: Kafka, topic: string, partitions: readonly number[], everyMs: number): { stop(): Promise<Map<number, string[]>> } {
  const sent = new Map<number, string[]>(partitions.map((partition) => [partition, []]));
  const sending = sendUntilStopped(kafka, topic, everyMs, (n) => {
    const messages = partitions.map((partition) => ({ partition, value: `${partition}-${n}` }));
    for (const { partition, value } of messages) sent.get(partition)?.push(value);
    return messages;
  });
  return {
    stop: async () => {
      await sending.stop();
      return sent;
    },
  };
}

function offsets(seen: readonly Seen[] | undefined): number[] {
  return (seen ?? []).map(({ offset }) => offset);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, index) => from + index);
}

describe('a PartitionFetcher on a real broker', () => {
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: uniqueName('fetcher') });

  it('hands on exactly the records from the offsets it was given, in order, per partition', { timeout: 120_000 }, async (t) => {
    const topic = uniqueTopic('fetcher-ranges');
    await createTopics([{ topic, numPartitions: 3 }]);
    // Enough per partition for several fetches of 16 KiB.
    const value = (partition: number, n: number) => `${partition}-${n}-${'x'.repeat(200)}`;
    for (let chunk = 0; chunk < 4; chunk++) {
      await produce(
        kafka,
        topic,
        [0, 1, 2].flatMap((partition) => range(chunk * 100, chunk * 100 + 100).map((n) => ({ partition, value: value(partition, n) }))),
      );
    }
    const { fetcher, seen } = await recordingFetcher(kafka);
    t.after(() => fetcher.close());
    const starts = [0, 137, 399];
    for (const [partition, start] of starts.entries()) await fetcher.add(topic, partition, String(start));
    await eventually('every partition read to its end', 60_000, () =>
      [0, 1, 2].every((partition) => offsets(seen.get(partition)).at(-1) === 399) ? true : undefined,
    );
    for (const [partition, start] of starts.entries()) {
      assert.deepEqual(
        offsets(seen.get(partition)),
        range(start, 400),
        `partition ${partition}: every offset from ${start}, once, in order`,
      );
      assert.deepEqual(
        seen.get(partition)?.map((record) => record.value),
        range(start, 400).map((n) => value(partition, n)),
      );
      assert.equal(fetcher.position(topic, partition), '400');
    }
    assert.ok((seen.get(0)?.length ?? 0) > 0 && new Set(seen.get(0)?.map(({ at }) => at)).size > 1, 'partition 0 came in several fetches');
  });

  it('with read_committed, skips aborted transactions and control records, and moves past them', { timeout: 120_000 }, async (t) => {
    const topic = uniqueTopic('fetcher-txn');
    await createTopics([{ topic, numPartitions: 1 }]);
    const producer = kafka.producer({ transactionalId: uniqueName('fetcher-txn'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    t.after(() => producer.disconnect());
    const inTransaction = async (values: string[], outcome: 'commit' | 'abort') => {
      const transaction = await producer.transaction();
      await transaction.send({ topic, messages: values.map((value) => ({ partition: 0, value })) });
      await transaction[outcome]();
    };
    await inTransaction(['c1', 'c2'], 'commit');
    await inTransaction(['a1', 'a2', 'a3'], 'abort');
    await produce(kafka, topic, [{ partition: 0, value: 'plain' }]);
    await inTransaction(['c3'], 'commit');
    await inTransaction(['a4'], 'abort');
    // Offsets: c1 0, c2 1, marker 2, a1–a3 3–5, marker 6, plain 7, c3 8, marker 9, a4 10, marker 11.
    const { fetcher, seen } = await recordingFetcher(kafka);
    t.after(() => fetcher.close());
    await fetcher.add(topic, 0, '0');
    await eventually('the fetcher moved past the last marker', 60_000, () => (fetcher.position(topic, 0) === '12' ? true : undefined));
    assert.deepEqual(
      seen.get(0)?.map(({ offset, value }) => `${offset}:${value}`),
      ['0:c1', '1:c2', '7:plain', '8:c3'],
    );

    // read_uncommitted (at least once) hands the aborted records on too, never the markers.
    const uncommitted = await recordingFetcher(kafka, undefined, false);
    t.after(() => uncommitted.fetcher.close());
    await uncommitted.fetcher.add(topic, 0, '0');
    await eventually('read to the end', 60_000, () => (uncommitted.fetcher.position(topic, 0) === '12' ? true : undefined));
    assert.deepEqual(offsets(uncommitted.seen.get(0)), [0, 1, 3, 4, 5, 7, 8, 10]);
  });

  it('adds and removes partitions while it fetches, without stopping the others', { timeout: 120_000 }, async (t) => {
    const topic = uniqueTopic('fetcher-add-remove');
    await createTopics([{ topic, numPartitions: 4 }]);
    // Partition 3's receiver never has room after its first batch: that holds back only partition 3.
    const { fetcher, seen } = await recordingFetcher(kafka, (batch) =>
      batch.partition === 3 ? new Promise<void>(() => undefined) : undefined,
    );
    t.after(() => fetcher.close());
    const ticks = ticker(kafka, topic, [0, 1, 2, 3], 20);
    t.after(() => ticks.stop());
    await fetcher.add(topic, 0, '0');
    await fetcher.add(topic, 1, '0');
    await fetcher.add(topic, 3, '0');
    await eventually('partitions 0 and 1 flowing', 30_000, () =>
      (seen.get(0)?.length ?? 0) > 20 && (seen.get(1)?.length ?? 0) > 20 ? true : undefined,
    );

    const addedAt = Date.now();
    await fetcher.add(topic, 2, '5');
    await eventually('partition 2 flowing', 30_000, () => ((seen.get(2)?.length ?? 0) > 20 ? true : undefined));
    const removedAt = Date.now();
    fetcher.remove(topic, 1);
    const handedOnBeforeRemoval = seen.get(1)?.length ?? 0;
    await sleep(2000);
    const until = Date.now();
    const sent = await ticks.stop();

    const zero = seen.get(0) ?? [];
    const gap = longestGap(
      zero.map(({ at }) => at),
      addedAt,
      until,
    );
    t.diagnostic(`partition 0: ${zero.length} records; longest gap between its batches while partitions were added and removed: ${gap} ms`);
    assert.ok(
      zero.some(({ at }) => at > addedAt && at < removedAt),
      'partition 0 went on while partition 2 was added',
    );
    assert.ok(
      zero.some(({ at }) => at > removedAt + 1000),
      'partition 0 went on after partition 1 was removed',
    );
    // Under 1 s: the fetcher waits up to 200 ms for records, the ticker sends every 20 ms.
    assert.ok(gap < 1000, `partition 0 stalled for ${gap} ms`);
    assert.equal(seen.get(1)?.length ?? 0, handedOnBeforeRemoval, 'nothing of partition 1 after its removal');
    assert.equal(fetcher.position(topic, 1), undefined);
    assert.deepEqual(offsets(seen.get(2)).slice(0, 3), [5, 6, 7], 'partition 2 from the offset it was added at');
    assert.deepEqual(offsets(seen.get(0)), range(0, zero.length), 'partition 0: in order, nothing twice');
    assert.ok((seen.get(3)?.length ?? 0) > 0, 'partition 3 was handed one batch');
    assert.ok((seen.get(3)?.length ?? 0) < (sent.get(3)?.length ?? 0), 'and no more, while its receiver had no room');
  });

  it('pauses and resumes, and hands nothing on once closed', { timeout: 60_000 }, async (t) => {
    const topic = uniqueTopic('fetcher-pause');
    await createTopics([{ topic, numPartitions: 1 }]);
    const { fetcher, seen } = await recordingFetcher(kafka);
    t.after(() => fetcher.close());
    await fetcher.add(topic, 0, '0');
    await produce(kafka, topic, [{ partition: 0, value: 'one' }]);
    await eventually('the first record', 30_000, () => (seen.get(0)?.length === 1 ? true : undefined));
    fetcher.pause();
    await produce(kafka, topic, [{ partition: 0, value: 'two' }]);
    await sleep(1000);
    assert.equal(seen.get(0)?.length, 1, 'nothing while paused');
    fetcher.resume();
    await eventually('the second record after resume', 30_000, () => (seen.get(0)?.length === 2 ? true : undefined));
    await fetcher.close();
    await produce(kafka, topic, [{ partition: 0, value: 'three' }]);
    await sleep(500);
    assert.deepEqual(offsets(seen.get(0)), [0, 1]);
  });

  it('fails with a coded error naming the partition when its log ends before the offset it reads from', { timeout: 60_000 }, async (t) => {
    const topic = uniqueTopic('fetcher-out-of-range');
    await createTopics([{ topic, numPartitions: 1 }]);
    await produce(kafka, topic, [{ partition: 0, value: 'only' }]);
    const { fetcher } = await recordingFetcher(kafka);
    t.after(() => fetcher.close());
    await fetcher.add(topic, 0, '50');
    const error = (await fetcher.failed) as Error & { code?: string };
    assert.equal(error.code, 'KAFKA_READ_FAILED');
    assert.match(error.message, new RegExp(`${topic}\\[0\\].*ends at offset 1, before the position 50`));
  });
});

describe('a PartitionFetcher on a three-broker cluster', () => {
  let cluster: RunningKafka;
  before(async () => {
    cluster = await startKafkaCluster(infraSettings(), 3);
  });
  after(async () => {
    await cluster?.stop();
  });

  it(
    'rides through the crash and the restart of the leader of a partition, every record once and in order',
    { timeout: 300_000 },
    async (t) => {
      const kafka = createKafka({ brokers: cluster.brokers, clientId: uniqueName('fetcher-leader') });
      const admin = kafka.admin();
      await admin.connect();
      t.after(() => admin.disconnect());
      const topic = uniqueTopic('fetcher-leader');
      await ensureTopic(admin, { topic, partitions: 3, compacted: false, purpose: 'test input' });
      const leaderOf = async (partition: number) =>
        (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.find((entry) => entry.partitionId === partition)
          ?.leader;

      const { fetcher, seen } = await recordingFetcher(kafka);
      t.after(() => fetcher.close());
      for (const partition of [0, 1, 2]) await fetcher.add(topic, partition, '0');
      const ticks = ticker(kafka, topic, [0, 1, 2], 20);
      t.after(() => ticks.stop());
      await eventually('records flowing', 60_000, () => ((seen.get(0)?.length ?? 0) > 50 ? true : undefined));

      const victim = await leaderOf(0);
      const node = cluster.nodes.find((candidate) => candidate.nodeId === victim);
      assert.ok(node, `partition 0 is led by a node of the cluster (${victim})`);
      const killedAt = Date.now();
      await node.kill();
      await eventually('partition 0 led by another node', 120_000, async () => {
        const leader = await leaderOf(0).catch(() => undefined);
        return leader !== undefined && leader !== victim ? true : undefined;
      });
      const before = seen.get(0)?.length ?? 0;
      await eventually('partition 0 read again after the crash', 120_000, () =>
        (seen.get(0)?.length ?? 0) > before + 50 ? true : undefined,
      );
      const recoveredAt = Date.now();
      await node.restart();
      const restarted = seen.get(0)?.length ?? 0;
      await eventually('partition 0 read after the restart', 120_000, () =>
        (seen.get(0)?.length ?? 0) > restarted + 50 ? true : undefined,
      );
      const sent = await ticks.stop();
      t.diagnostic(`node ${victim} killed; partition 0 read again ${recoveredAt - killedAt} ms later`);

      for (const partition of [0, 1, 2]) {
        const values = sent.get(partition) ?? [];
        await eventually(`partition ${partition} read to its end`, 60_000, () =>
          (seen.get(partition)?.length ?? 0) >= values.length ? true : undefined,
        );
        // The fetcher hands each offset on once, in order, whatever the leader does.
        const handed = (seen.get(partition) ?? []).map(({ offset }) => offset);
        assert.ok(
          handed.every((offset, i) => i === 0 || offset > (handed[i - 1] as number)),
          `partition ${partition}: each offset handed on once, in order`,
        );
        // An idempotent producer's retries write nothing twice: the log holds each value once.
        assert.deepEqual(
          seen.get(partition)?.map(({ value }) => value),
          values,
          `partition ${partition}: every acknowledged record once, in order`,
        );
      }
      assert.equal(await Promise.race([fetcher.failed.then(String), sleep(0).then(() => 'running')]), 'running');
    },
  );
});
