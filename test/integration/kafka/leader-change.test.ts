/**
 * A partition leader lost while a BatchingProducer sends (the correctness review's H2) on a real
 * three-node KRaft cluster, started by this file beside the run's single broker: every topic is
 * replicated to all three nodes and needs two in-sync replicas, so one node may crash without losing
 * an acknowledged write. Keyed records go out continuously while the node leading partition 0 is
 * SIGKILLed; everything acknowledged must be read back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { startKafkaCluster, type RunningKafka } from '../../../dev/services/kafka.js';
import { infraSettings } from '../../../dev/services/settings.js';
import { BATCHING_PRODUCER_CONFIG, BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { uniqueName, uniqueTopic } from '../../infra/services.js';

setLogLevel('error');

const PARTITIONS = 6;
const KEYS = 60;
const PER_ROUND = 200;
/** Rounds sent before the kill, and at most this long for the rounds after it (kafkajs retries the dead node for a while). */
const ROUNDS_BEFORE_KILL = 20;
const SEND_AFTER_KILL_MS = 90_000;
/** Rounds that must be acknowledged after the kill. */
const ROUNDS_AFTER_KILL = 10;

async function leaderOf(admin: Admin, topic: string, partition: number): Promise<number | undefined> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata.topics[0]?.partitions.find((entry) => entry.partitionId === partition)?.leader;
}

describe('a BatchingProducer on a three-broker cluster', () => {
  let cluster: RunningKafka;
  before(async () => {
    cluster = await startKafkaCluster(infraSettings(), 3);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('loses nothing it acknowledged when the leader of a partition crashes mid-send', { timeout: 300_000 }, async (t) => {
    const kafka = createKafka({ brokers: cluster.brokers, clientId: uniqueName('leader-change') });
    const admin = kafka.admin();
    const producer = kafka.producer(BATCHING_PRODUCER_CONFIG);
    const consumer = kafka.consumer({ groupId: uniqueName('leader-change'), allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
    t.after(async () => {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    });
    await admin.connect();
    await producer.connect();
    const topic = uniqueTopic('leader-change');
    const settings = await ensureTopic(admin, { topic, partitions: PARTITIONS, compacted: false, purpose: 'test output' });
    assert.equal(settings.replicationFactor, 3);
    assert.equal(settings.minInsyncReplicas, 2);

    const batching = new BatchingProducer(producer);
    const acknowledged = new Set<string>();
    let next = 0;
    const round = async (): Promise<void> => {
      const values = Array.from({ length: PER_ROUND }, () => String(next++));
      // Not awaited alone: the flush is what a commit waits for, and it must cover the send.
      const sent = batching.send(
        topic,
        values.map((value) => ({ key: `k${Number(value) % KEYS}`, value })),
      );
      await batching.flush();
      await sent;
      for (const value of values) acknowledged.add(value);
    };

    for (let i = 0; i < ROUNDS_BEFORE_KILL; i++) await round();
    const victim = await leaderOf(admin, topic, 0);
    const node = cluster.nodes.find((candidate) => candidate.nodeId === victim);
    assert.ok(node, `partition 0 is led by a node of the cluster (${victim})`);
    // Sends continue while the node dies: a request may be out when it does.
    const killed = new Promise<void>((resolve) => setTimeout(resolve, 50)).then(() => node.kill());
    const beforeKill = acknowledged.size;
    const stopAt = Date.now() + SEND_AFTER_KILL_MS;
    let leaderMoved = false;
    while (Date.now() < stopAt) {
      await round();
      if (!leaderMoved) {
        await killed;
        const leader = await leaderOf(admin, topic, 0);
        leaderMoved = leader !== undefined && leader !== victim;
      } else if (acknowledged.size - beforeKill >= ROUNDS_AFTER_KILL * PER_ROUND) break;
    }
    t.diagnostic(`${acknowledged.size} records acknowledged, ${acknowledged.size - beforeKill} after node ${victim} was killed`);
    assert.ok(leaderMoved, 'partition 0 got a new leader');
    assert.ok(acknowledged.size - beforeKill >= ROUNDS_AFTER_KILL * PER_ROUND, 'sending went on after the crash');

    // Read everything back (bounded): every acknowledged record is there.
    const read = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void = () => undefined;
    const allRead = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ message }) => {
        read.add(String(message.value));
        if (read.size >= acknowledged.size && [...acknowledged].every((value) => read.has(value))) done();
      },
    });
    await Promise.race([allRead, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    const missing = [...acknowledged].filter((value) => !read.has(value));
    assert.deepEqual(missing.slice(0, 20), [], `${missing.length} acknowledged records are missing`);
  });
});
