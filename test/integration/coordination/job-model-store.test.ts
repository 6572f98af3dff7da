/**
 * The job model, framework id and locality in the real ZooKeeper: compare-and-set with versions,
 * fencing of a deposed leader (cut off from ZooKeeper until its session expired), container watches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZkError } from '../../../shared/coordination/errors.js';
import { FrameworkIdStore } from '../../../shared/coordination/framework-id-store.js';
import { JobModelStore, type StoredJobModel } from '../../../shared/coordination/job-model-store.js';
import { LeaderElection } from '../../../shared/coordination/leader-election.js';
import { LocalityStore } from '../../../shared/coordination/locality-store.js';
import type { JobModel } from '../../../shared/model/job-model.js';
import { uniqueName } from '../../infra/services.js';
import { eventually, nextEvent, openSession, removeTree, SESSION_TIMEOUT_MS, ZkProxy } from './helpers.js';

function model(job: string, version: number, containers = 1): JobModel {
  return {
    job,
    version,
    containers: Array.from({ length: containers }, (_, c) => ({
      id: String(c),
      tasks: [{ name: `Partition ${c}`, ssps: [{ system: 'kafka', topic: 'in', partition: c }], changelogPartition: c }],
    })),
  };
}

function code(expected: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof ZkError, String(error));
    assert.equal(error.code, expected, error.message);
    return true;
  };
}

test('job model: versioned compare-and-set; the write of a deposed leader is fenced; containers see every new model', async (t) => {
  const job = uniqueName('jobmodel');
  const proxy = await ZkProxy.start();
  const sessionA = await openSession({ connect: proxy.connect, backoff: { initialMs: 100 } });
  const sessionB = await openSession();
  const container = await openSession();
  const electionA = new LeaderElection(sessionA, { job, candidate: 'a' }).start();
  await nextEvent(electionA, 'elected', 10_000);
  const electionB = new LeaderElection(sessionB, { job, candidate: 'b' }).start();
  const storeA = new JobModelStore(sessionA, job);
  const storeB = new JobModelStore(sessionB, job);
  const seen: StoredJobModel[] = [];
  const unwatch = new JobModelStore(container, job).watch((stored) => seen.push(stored));
  t.after(async () => {
    unwatch();
    await Promise.all([electionA.stop(), electionB.stop()]);
    await removeTree(container.client, `/sluice/${job}`);
    await Promise.all([sessionA.close(), sessionB.close(), container.close(), proxy.close()]);
  });

  assert.equal(await storeA.read(), null);
  const tokenA = electionA.token();
  assert.equal(await storeA.write(model(job, 1), null, tokenA), 1, 'created at version 1, never 0');
  assert.deepEqual(await storeA.read(), { model: model(job, 1), version: 1 });
  assert.equal(await storeA.write(model(job, 2, 2), 1, tokenA), 2);
  await assert.rejects(storeA.write(model(job, 3), 1, tokenA), code('ZK_BAD_VERSION'));
  await assert.rejects(storeA.write(model(job, 3), null, tokenA), code('ZK_NODE_EXISTS'));
  await assert.rejects(storeA.write(model('other-job', 3), 2, tokenA), code('ZK_BAD_ARGUMENTS'));
  assert.throws(() => electionB.token(), code('ZK_NOT_LEADER'));
  await eventually('the container saw version 2', 5_000, () => (seen.at(-1)?.version === 2 ? true : undefined));

  // A is cut off from ZooKeeper: it is deposed by its lease, B takes over once A's session expired.
  const cutAt = Date.now();
  proxy.block();
  await nextEvent(electionA, 'deposed', SESSION_TIMEOUT_MS + 2_000);
  const deposedMs = Date.now() - cutAt;
  await nextEvent(electionB, 'elected', SESSION_TIMEOUT_MS + 5_000);
  t.diagnostic(`cut off: a deposed after ${deposedMs} ms, b elected after ${Date.now() - cutAt} ms`);
  assert.equal(electionA.isLeader(), false);
  proxy.unblock();
  await eventually('a has a new session', 10_000, () => (sessionA.state === 'connected' ? true : undefined));

  // The stale token is refused by ZooKeeper itself, from A's new session or from anyone's.
  await assert.rejects(storeA.write(model(job, 3), 2, tokenA), code('ZK_FENCED'));
  await assert.rejects(storeB.write(model(job, 3), 2, tokenA), code('ZK_FENCED'));
  assert.equal(await storeB.write(model(job, 3, 3), 2, electionB.token()), 3);
  await eventually('the container saw version 3', 5_000, () => (seen.at(-1)?.version === 3 ? true : undefined));
  const versions = seen.map((s) => s.version);
  assert.deepEqual(
    versions,
    [...versions].sort((x, y) => x - y),
    'versions only grow',
  );
  assert.deepEqual(seen.at(-1)?.model, model(job, 3, 3));
});

test('job model watch: starts before the first model exists and survives a new session', async (t) => {
  const job = uniqueName('jobmodel-watch');
  const proxy = await ZkProxy.start();
  const leader = await openSession();
  const container = await openSession({ connect: proxy.connect, backoff: { initialMs: 100 } });
  const election = new LeaderElection(leader, { job, candidate: 'leader' }).start();
  const seen: number[] = [];
  const unwatch = new JobModelStore(container, job).watch((stored) => seen.push(stored.model.version));
  t.after(async () => {
    unwatch();
    await election.stop();
    await removeTree(leader.client, `/sluice/${job}`);
    await Promise.all([leader.close(), container.close(), proxy.close()]);
  });
  await nextEvent(election, 'elected', 10_000);
  const store = new JobModelStore(leader, job);
  await store.write(model(job, 1), null, election.token());
  await eventually('model 1 seen', 5_000, () => (seen.includes(1) ? true : undefined));

  // The container loses its session; a model written meanwhile arrives on the new one.
  proxy.block();
  await eventually('container session expired', SESSION_TIMEOUT_MS + 2_000, () => (container.state === 'expired' ? true : undefined));
  await store.write(model(job, 2), 1, election.token());
  proxy.unblock();
  await eventually('model 2 seen after the new session', 10_000, () => (seen.includes(2) ? true : undefined));
  assert.deepEqual(seen, [1, 2]);
});

test('framework id: fenced compare-and-set; a candidate that left the election cannot write it', async (t) => {
  const job = uniqueName('framework-id');
  const session = await openSession();
  const election = new LeaderElection(session, { job, candidate: 'only' }).start();
  t.after(async () => {
    await election.stop();
    await removeTree(session.client, `/sluice/${job}`);
    await session.close();
  });
  await nextEvent(election, 'elected', 10_000);
  const store = new FrameworkIdStore(session, job);
  assert.equal(await store.read(), null);
  const token = election.token();
  assert.equal(await store.write('fw-1', null, token), 1);
  assert.equal(await store.write('fw-2', 1, token), 2);
  await assert.rejects(store.write('fw-3', 1, token), code('ZK_BAD_VERSION'));
  assert.deepEqual(await store.read(), { frameworkId: 'fw-2', version: 2 });
  await election.stop();
  await assert.rejects(store.write('fw-3', 2, token), code('ZK_FENCED'));
  assert.deepEqual(await store.read(), { frameworkId: 'fw-2', version: 2 });
});

test('locality: the last host of each container, by id', async (t) => {
  const job = uniqueName('locality');
  const session = await openSession();
  t.after(async () => {
    await removeTree(session.client, `/sluice/${job}`);
    await session.close();
  });
  const store = new LocalityStore(session, job);
  assert.deepEqual(await store.read(), new Map());
  await store.write('0', 'host-a');
  await store.write('container/1', 'host-b');
  await store.write('0', 'host-c');
  assert.deepEqual(
    await store.read(),
    new Map([
      ['0', 'host-c'],
      ['container/1', 'host-b'],
    ]),
  );
});
