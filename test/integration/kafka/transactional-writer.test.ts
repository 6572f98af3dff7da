/**
 * A task's writer in exactly-once mode (TransactionalTaskWriter) on the real broker: a checkpoint
 * commits the task's outputs and changelog records with its input offsets, a newer writer of the
 * same task fences the older one (TaskLostError at its next write, nothing of it committed), and
 * what a writer sent but never committed is invisible to read_committed readers.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import { isTaskLost } from '../../../shared/coordination/task-ownership.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { readPartitions } from '../../../shared/kafka/partition-reader.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { createLogger, setLogLevel } from '../../../shared/log.js';
import { EVERY_WRITER, type Checkpoint } from '../../../executor/checkpoint/checkpoint.js';
import { GroupMembership } from '../../../executor/systems/kafka/group-membership.js';
import { KafkaCheckpointStore } from '../../../executor/systems/kafka/kafka-checkpoints.js';
import { TransactionalTaskWriter } from '../../../executor/systems/kafka/transactional-task-writer.js';
import { kafkaBrokers, uniqueName, uniqueTopic } from '../../infra/services.js';

setLogLevel('error');

const TASK = 'Partition 0';

/** Every record of partition 0 of `topic`, committed ones only (kafkajs reads read_committed by default). */
async function committedValues(kafka: Kafka, admin: Admin, topic: string): Promise<string[]> {
  const [offsets] = await admin.fetchTopicOffsets(topic);
  const values: string[] = [];
  await readPartitions(kafka, [{ topic, partition: 0, from: 0, to: Number(offsets?.high ?? 0) - 1 }], async (_request, records) => {
    for (const record of records) values.push(String(record.value));
  });
  return values;
}

/**
 * Asserts that the committed records of `topic` come to be `expected`. A commit returns before the
 * coordinator wrote its markers (the records become readable a moment later), so this reads again
 * for up to 10 s; records of an aborted transaction would stay, and fail it.
 */
async function assertCommitted(kafka: Kafka, admin: Admin, topic: string, expected: readonly string[], what?: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let values = await committedValues(kafka, admin, topic);
  while (JSON.stringify(values) !== JSON.stringify(expected) && Date.now() < deadline) {
    await sleep(100);
    values = await committedValues(kafka, admin, topic);
  }
  assert.deepEqual(values, expected, what);
}

function checkpointAt(input: string, next: number, changelogOffset: number): Checkpoint {
  return {
    inputs: { [`kafka.${input}.0`]: String(next) },
    changelogs: { counts: { offset: changelogOffset, writers: EVERY_WRITER } },
    epoch: 7n,
    writtenAt: Date.now(),
  };
}

describe('the exactly-once task writer on real Kafka', () => {
  it('commits outputs, changelog and checkpoint together; a newer writer fences the older; uncommitted sends stay invisible', async (t) => {
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: uniqueName('txn-writer') });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const job = uniqueName('txn');
    const [input, output, changelog] = ['in', 'out', 'changelog'].map((name) => uniqueTopic(`txn-${name}`)) as [string, string, string];
    for (const topic of [input, output, changelog]) {
      await ensureTopic(admin, { topic, partitions: 1, compacted: topic === changelog, purpose: 'test' });
    }
    const groupId = `sluice-${job}`;
    const ssp = { system: 'kafka', topic: input, partition: 0 };
    const options = { job, task: TASK, ssps: [ssp], groupId, epoch: 7n, logger: createLogger({ test: 'transactional-writer' }) };

    const first = await TransactionalTaskWriter.open(kafka, options);
    t.after(() => first.close());
    const sink = first.changelogSink({ topic: changelog, partition: 0 });
    first.outputs.send(output, [{ key: Buffer.from('a'), value: Buffer.from('1') }]);
    sink.send([{ key: Buffer.from('a'), value: Buffer.from('1') }]);
    // Records wait for the task's first checkpoint: that one commits them, with the input at offset 1.
    await first.checkpoints.write(TASK, checkpointAt(input, 1, 0), () => true);
    assert.equal(await sink.flush(), 0, 'the changelog record was acknowledged at offset 0');
    await assertCommitted(kafka, admin, output, ['1']);

    // Sent in the next transaction, never committed: the second writer (the task's next owner) opens.
    first.outputs.send(output, [{ key: Buffer.from('a'), value: Buffer.from('2-zombie') }]);
    sink.send([{ key: Buffer.from('a'), value: Buffer.from('2-zombie') }]);
    await first.outputs.flush();
    const second = await TransactionalTaskWriter.open(kafka, options);
    t.after(() => second.close());
    await assertCommitted(kafka, admin, output, ['1'], "the fenced writer's open transaction was aborted");
    await assertCommitted(kafka, admin, changelog, ['1']);

    // The zombie's next send and its commit fail as a lost task, and commit nothing.
    first.outputs.send(output, [{ key: Buffer.from('a'), value: Buffer.from('3-zombie') }]);
    const fenced = await first.checkpoints
      .write(TASK, checkpointAt(input, 3, 2), () => true)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(isTaskLost(fenced), `the zombie's commit fails with TaskLostError, not: ${String(fenced)}`);

    second.outputs.send(output, [{ key: Buffer.from('a'), value: Buffer.from('2') }]);
    second.changelogSink({ topic: changelog, partition: 0 }).send([{ key: Buffer.from('a'), value: Buffer.from('2') }]);
    await second.checkpoints.write(TASK, checkpointAt(input, 2, 3), () => true);
    await assertCommitted(kafka, admin, output, ['1', '2']);
    await assertCommitted(kafka, admin, changelog, ['1', '2']);

    // The checkpoint is the group's committed offset, with the whole checkpoint as its metadata.
    const loaded = await new KafkaCheckpointStore(admin, groupId, new GroupMembership()).load([{ name: TASK, ssps: [ssp] }]);
    assert.deepEqual(loaded.get(TASK)?.inputs, { [`kafka.${input}.0`]: '2' });
    assert.equal(loaded.get(TASK)?.changelogs.counts?.offset, 3);
    assert.equal(loaded.get(TASK)?.epoch, 7n);

    // Commits back to back, most with nothing sent: each transaction's offsets follow the previous
    // commit at once, while the coordinator still writes its markers (CONCURRENT_TRANSACTIONS).
    for (let commit = 0; commit < 20; commit++) {
      if (commit % 5 === 0) second.outputs.send(output, [{ key: Buffer.from('a'), value: Buffer.from(`b${commit}`) }]);
      await second.checkpoints.write(TASK, checkpointAt(input, 3 + commit, 3), () => true);
    }

    // A writer closed with a transaction open aborts it.
    second.outputs.send(output, [{ key: Buffer.from('a'), value: Buffer.from('aborted') }]);
    await second.outputs.flush();
    await second.close();
    await assertCommitted(kafka, admin, output, ['1', '2', 'b0', 'b5', 'b10', 'b15']);
  });
});
