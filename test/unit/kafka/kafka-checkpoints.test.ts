import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs, { type Admin, type Consumer } from 'kafkajs';
import type { Checkpoint } from '../../../executor/checkpoint/checkpoint.js';
import { GroupMembership } from '../../../executor/systems/kafka/group-membership.js';
import { KafkaCheckpointStore } from '../../../executor/systems/kafka/kafka-checkpoints.js';
import { EVERY_WRITER } from '../../../executor/checkpoint/checkpoint.js';

// kafkajs is CommonJS; Node's ESM interop does not see its error classes by name.
const { KafkaJSBrokerNotFound, KafkaJSConnectionError, KafkaJSProtocolError } = kafkajs;

const SSP = { system: 'kafka', topic: 'words', partition: 0 };
const CHECKPOINT: Checkpoint = {
  inputs: { 'kafka.words.0': '42' },
  changelogs: { counts: { offset: 17, writers: EVERY_WRITER } },
  epoch: 0n,
};

/** A protocol error as kafkajs raises it from a response's error code. */
function protocolError(type: string, code: number): Error {
  return new KafkaJSProtocolError({ type, code, retriable: true, message: type } as unknown as string);
}

/** A store over a consumer whose commits fail with `failures` in turn, then succeed; and the commits tried. */
async function storeFailingWith(failures: Error[]): Promise<{ store: KafkaCheckpointStore; attempts: () => number }> {
  let attempts = 0;
  const consumer = {
    commitOffsets: async () => {
      const failure = failures[attempts++];
      if (failure) throw failure;
    },
  } as unknown as Consumer;
  const membership = new GroupMembership();
  membership.onJoin(consumer, { words: [0] });
  membership.onFetchStart();
  const admin = { fetchOffsets: async () => [] } as unknown as Admin;
  const store = new KafkaCheckpointStore(admin, 'group', membership);
  await store.load([{ name: 'Partition 0', ssps: [SSP] }]);
  return { store, attempts: () => attempts };
}

describe('KafkaCheckpointStore.write', () => {
  it('commits again when the group coordinator died (its broker refuses connections) or moved', async () => {
    const { store, attempts } = await storeFailingWith([
      new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092' }),
      protocolError('NOT_COORDINATOR_FOR_GROUP', 16),
      // kafkajs's types declare no message, which its constructor needs.
      new (KafkaJSBrokerNotFound as unknown as new (message: string) => Error)('Broker 3 not found in the cached metadata'),
      protocolError('GROUP_COORDINATOR_NOT_AVAILABLE', 15),
    ]);
    await store.write('Partition 0', CHECKPOINT, () => true);
    assert.equal(attempts(), 5);
  });

  it('fails at once on an error that is no change of the group', async () => {
    const { store, attempts } = await storeFailingWith([protocolError('OFFSET_METADATA_TOO_LARGE', 12)]);
    await assert.rejects(
      store.write('Partition 0', CHECKPOINT, () => true),
      /OFFSET_METADATA_TOO_LARGE/,
    );
    assert.equal(attempts(), 1);
  });

  it('fails, instead of waiting for ever, when the consumer stopped for good while the write waited for it to rejoin', async () => {
    const membership = new GroupMembership();
    membership.onJoin({} as Consumer, { words: [0] });
    membership.onFetchStart();
    membership.onCrash();
    const store = new KafkaCheckpointStore({ fetchOffsets: async () => [] } as unknown as Admin, 'group', membership);
    await store.load([{ name: 'Partition 0', ssps: [SSP] }]);
    const writing = store.write('Partition 0', CHECKPOINT, () => true);
    await new Promise((resolve) => setImmediate(resolve));
    membership.onStop(new Error('the Kafka consumer stopped: the group coordinator refused it'));
    await assert.rejects(writing, /consumer stopped/);
  });

  it('commits again as soon as the member has rejoined after a rebalance refused the commit', async (t) => {
    let attempts = 0;
    const membership = new GroupMembership();
    const consumer = {
      commitOffsets: async () => {
        if (attempts++ > 0) return;
        // The rebalance completes right after the refusal: the retry must not wait RETRY_MS (500 ms) for it.
        setImmediate(() => membership.onJoin(consumer, { words: [0] }));
        throw protocolError('REBALANCE_IN_PROGRESS', 27);
      },
    } as unknown as Consumer;
    membership.onJoin(consumer, { words: [0] });
    membership.onFetchStart();
    const store = new KafkaCheckpointStore({ fetchOffsets: async () => [] } as unknown as Admin, 'group', membership);
    await store.load([{ name: 'Partition 0', ssps: [SSP] }]);
    // The fixed retry delay's timer never fires: only the rejoin can bring the retry.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let done = false;
    const writing = store.write('Partition 0', CHECKPOINT, () => true).then(() => (done = true));
    for (let turn = 0; turn < 100 && !done; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(done, 'retried on the rejoin, not after the fixed retry delay');
    await writing;
    assert.equal(attempts, 2);
  });
});
