/**
 * The ZooKeeper wrapper against the real server: versions and compare-and-set, watches as callbacks,
 * multis that name their failing op, digest ACLs, and no hang when ZooKeeper does not answer.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { ZkError } from '../../../shared/coordination/errors.js';
import { ZkClient } from '../../../shared/coordination/zk-client.js';
import { ZkSession } from '../../../shared/coordination/zk-session.js';
import type { WatchEvent } from '../../../shared/coordination/zk-types.js';
import { freePort, withTimeout } from '../../../dev/services/net.js';
import { uniqueName, zkConnect } from '../../infra/services.js';
import { openSession, removeTree } from './helpers.js';

function watchOnce(): { watcher: (event: WatchEvent) => void; fired: Promise<WatchEvent> } {
  let watcher: (event: WatchEvent) => void = () => undefined;
  const fired = new Promise<WatchEvent>((resolve) => (watcher = resolve));
  return { watcher, fired: withTimeout(fired, 10_000, 'watch did not fire') };
}

test('ZkClient: Buffers with versions, compare-and-set, one-shot watches, mkdirp and remove', async (t) => {
  const session = await openSession();
  const client = session.client;
  const root = `/sluice-test/${uniqueName('zk-client')}`;
  t.after(async () => {
    await removeTree(client, root);
    await session.close();
  });

  await client.mkdirp(`${root}/a/b`);
  assert.notEqual(await client.exists(`${root}/a/b`), null);
  const node = `${root}/node`;
  assert.equal(await client.create(node, Buffer.from('one')), node);
  assert.deepEqual((await client.get(node)).data, Buffer.from('one'));
  assert.equal((await client.get(node)).version, 0);

  const dataWatch = watchOnce();
  await client.get(node, dataWatch.watcher);
  assert.equal(await client.setData(node, Buffer.from('two'), 0), 1);
  assert.deepEqual(await dataWatch.fired, { type: 'dataChanged', path: node });
  await assert.rejects(client.setData(node, Buffer.from('stale'), 0), (error: unknown) => {
    assert.ok(error instanceof ZkError);
    assert.equal(error.code, 'ZK_BAD_VERSION');
    assert.equal(error.retriable, false);
    return true;
  });

  const childWatch = watchOnce();
  assert.deepEqual((await client.getChildren(root, childWatch.watcher)).sort(), ['a', 'node']);
  const sequential = await client.create(`${root}/s_`, Buffer.alloc(0), 'persistent-sequential');
  assert.match(sequential, /\/s_\d{10}$/);
  assert.deepEqual(await childWatch.fired, { type: 'childrenChanged', path: root });

  const empty = await client.get(sequential);
  assert.deepEqual(empty.data, Buffer.alloc(0), 'an empty node reads as an empty Buffer');
  assert.equal(empty.stat.ephemeralOwner, null);
  const ephemeral = await client.create(`${root}/e`, Buffer.from('x'), 'ephemeral');
  assert.equal((await client.exists(ephemeral))?.ephemeralOwner, client.sessionId);

  const deleted = watchOnce();
  assert.equal(await client.exists(`${root}/missing`, deleted.watcher), null);
  await client.create(`${root}/missing`, Buffer.from('now here'));
  assert.deepEqual(await deleted.fired, { type: 'created', path: `${root}/missing` });

  await assert.rejects(client.remove(node, 0), { code: 'ZK_BAD_VERSION' });
  await client.remove(node, 1);
  await assert.rejects(client.get(node), { code: 'ZK_NO_NODE' });
  await assert.rejects(client.create(`${root}/a`, Buffer.alloc(0)), { code: 'ZK_NODE_EXISTS' });
});

test('ZkClient: a multi is atomic and names the op that failed; version 0 is refused', async (t) => {
  const session = await openSession();
  const client = session.client;
  const root = `/sluice-test/${uniqueName('zk-multi')}`;
  t.after(async () => {
    await removeTree(client, root);
    await session.close();
  });
  await client.mkdirp(root);
  const node = `${root}/n`;
  // create + setData in one multi: the node is never seen at version 0.
  const created = await client.multi([
    { op: 'create', path: node, data: Buffer.from('a') },
    { op: 'setData', path: node, data: Buffer.from('a'), version: -1 },
  ]);
  assert.deepEqual(created, [{ path: node }, { version: 1 }]);

  await assert.rejects(
    client.multi([
      { op: 'check', path: `${root}/gone`, version: -1 },
      { op: 'setData', path: node, data: Buffer.from('b'), version: 1 },
    ]),
    (error: unknown) => {
      assert.ok(error instanceof ZkError);
      assert.equal(error.code, 'ZK_NO_NODE');
      assert.equal(error.context.failedOp, 0);
      assert.equal(error.context.path, `${root}/gone`);
      return true;
    },
  );
  await assert.rejects(
    client.multi([
      { op: 'check', path: node, version: -1 },
      { op: 'setData', path: node, data: Buffer.from('b'), version: 7 },
    ]),
    (error: unknown) => error instanceof ZkError && error.code === 'ZK_BAD_VERSION' && error.context.failedOp === 1,
  );
  assert.equal((await client.get(node)).version, 1, 'nothing of a failed multi was applied');
  await assert.rejects(client.multi([{ op: 'setData', path: node, data: Buffer.from('c'), version: 0 }]), {
    code: 'ZK_UNSAFE_VERSION',
  });
  await assert.rejects(client.create(`${root}/big`, Buffer.alloc(1_048_576)), { code: 'ZK_DATA_TOO_LARGE' });
});

test('ZkClient: digest auth: nodes of an authenticated session are closed to other sessions', async (t) => {
  const auth = { user: 'sluice', password: uniqueName('secret') };
  const owner = await openSession({ auth });
  const stranger = await openSession();
  const wrong = await openSession({ auth: { user: 'sluice', password: 'wrong' } });
  const root = `/sluice-test/${uniqueName('zk-auth')}`;
  t.after(async () => {
    await removeTree(owner.client, root);
    await Promise.all([owner.close(), stranger.close(), wrong.close()]);
  });
  await owner.client.mkdirp(root);
  await owner.client.create(`${root}/secret`, Buffer.from('s'));
  assert.deepEqual((await owner.client.get(`${root}/secret`)).data, Buffer.from('s'));
  await assert.rejects(stranger.client.get(`${root}/secret`), { code: 'ZK_NO_AUTH' });
  await assert.rejects(wrong.client.setData(`${root}/secret`, Buffer.from('x'), -1), { code: 'ZK_NO_AUTH' });
});

test('ZkClient: calls reject with ZK_TIMEOUT instead of hanging when ZooKeeper does not answer', async (t) => {
  // Nothing listens on a closed port; a silent server accepts connections and never answers.
  const closedPort = await freePort();
  const silent = net.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const silentPort = (silent.address() as net.AddressInfo).port;
  t.after(() => silent.close());

  for (const port of [closedPort, silentPort]) {
    const client = new ZkClient({ connect: `127.0.0.1:${port}`, sessionTimeoutMs: 4_000, callTimeoutMs: 500 });
    t.after(() => client.close()); // a client left trying to connect would keep this process alive
    const started = Date.now();
    await assert.rejects(client.get('/anything'), (error: unknown) => {
      assert.ok(error instanceof ZkError);
      assert.equal(error.code, 'ZK_TIMEOUT');
      assert.equal(error.retriable, true);
      return true;
    });
    const elapsed = Date.now() - started;
    t.diagnostic(`port ${port === closedPort ? 'closed' : 'silent'}: ZK_TIMEOUT after ${elapsed} ms (call timeout 500 ms)`);
    assert.ok(elapsed >= 450 && elapsed < 2_000, `rejected after ${elapsed} ms`);
    await client.close();

    const session = new ZkSession({ connect: `127.0.0.1:${port}`, sessionTimeoutMs: 4_000 }).start();
    t.after(() => session.close());
    await assert.rejects(session.ready(500), { code: 'ZK_TIMEOUT' });
    assert.equal(session.state, 'connecting');
    await session.close();
  }
});

test('ZkClient: answers renew the session lease, from the connect on', async (t) => {
  const client = new ZkClient({ connect: zkConnect(), sessionTimeoutMs: 4_000, callTimeoutMs: 3_000 });
  t.after(() => client.close());
  assert.equal(client.leaseUntil(), Number.NEGATIVE_INFINITY, 'no lease before the session exists');
  assert.notEqual(await client.exists('/'), null); // queued before the connect: proves nothing about the lease
  const sentAt = performance.now();
  await client.exists('/');
  assert.ok(client.confirmedAt >= sentAt);
  assert.equal(client.leaseUntil(), client.confirmedAt + client.sessionTimeoutMs * 0.9);
});
