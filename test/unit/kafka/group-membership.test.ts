import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Consumer } from 'kafkajs';
import { GroupMembership } from '../../../executor/systems/kafka/group-membership.js';

const consumer = {} as Consumer;

/** Whether `promise` settled within a macrotask. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('GroupMembership', () => {
  it('hands out the consumer only once it has joined AND its fetch loop runs (kafkajs drops commits before)', async () => {
    const membership = new GroupMembership();
    const waiting = membership.current();
    membership.onJoin(consumer, { words: [0, 2] });
    assert.equal(await settled(waiting), false, 'GROUP_JOIN comes before kafkajs marks its runner running');
    membership.onFetchStart();
    const joined = await waiting;
    assert.deepEqual([...joined.assigned], ['words\u00000', 'words\u00002']);
    assert.equal(joined.crashes, 0);
  });

  it('after a crash, waits for the restarted consumer to run and join again, and counts the crash', async () => {
    const membership = new GroupMembership();
    membership.onJoin(consumer, { words: [0] });
    membership.onFetchStart();
    membership.onCrash();
    assert.equal(membership.crashCount, 1);
    const waiting = membership.current();
    membership.onFetchStart();
    assert.equal(await settled(waiting), false, 'running again, but not joined yet');
    membership.onJoin(consumer, { words: [1] });
    assert.deepEqual([...(await waiting).assigned], ['words\u00001']);
    assert.equal((await waiting).crashes, 1);
  });

  it('a rejoin while running (a rebalance) is usable at once', async () => {
    const membership = new GroupMembership();
    membership.onJoin(consumer, { words: [0] });
    membership.onFetchStart();
    membership.onJoin(consumer, { words: [0, 1] });
    assert.equal((await membership.current()).assigned.size, 2);
  });

  it('fails every wait, those under way included, once the consumer stopped for good (no join will come)', async () => {
    const membership = new GroupMembership();
    membership.onJoin(consumer, { words: [0] });
    membership.onFetchStart();
    membership.onCrash();
    const waiting = membership.current();
    membership.onStop(new Error('the Kafka consumer stopped: boom'));
    await assert.rejects(waiting, /consumer stopped: boom/);
    membership.onJoin(consumer, { words: [0] });
    membership.onFetchStart();
    await assert.rejects(membership.current(), /consumer stopped: boom/, 'a late event does not revive it');
  });

  it('tells a commit waiting out a rebalance when the member joined again, crashed or stopped', async () => {
    const membership = new GroupMembership();
    membership.onJoin(consumer, { words: [0] });
    membership.onFetchStart();
    const first = await membership.current();
    const rejoined = membership.changedSince(first);
    assert.equal(await settled(rejoined), false, 'still in the generation it had');
    membership.onJoin(consumer, { words: [0] });
    assert.equal(await settled(rejoined), true);
    const second = await membership.current();
    assert.equal(await settled(membership.changedSince(first)), true, 'a generation already over');
    const crashed = membership.changedSince(second);
    membership.onCrash();
    assert.equal(await settled(crashed), true);
    membership.onStop(new Error('closed'));
    assert.equal(await settled(membership.changedSince(second)), true);
  });
});
