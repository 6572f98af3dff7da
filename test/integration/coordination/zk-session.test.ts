/**
 * ZkSession against the real server: an expired session is replaced by a new one (owners re-run),
 * and the lease ends leadership-grade trust at once when the process could not hear from ZooKeeper.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ZkClient } from '../../../shared/coordination/zk-client.js';
import type { ZkSessionState } from '../../../shared/coordination/zk-session.js';
import { uniqueName } from '../../infra/services.js';
import { eventually, LEASE_SHARE, openSession, removeTree, SESSION_TIMEOUT_MS, ZkProxy } from './helpers.js';

test('ZkSession: cut off for the session timeout, it declares the session expired, then opens a new one', async (t) => {
  const proxy = await ZkProxy.start();
  const session = await openSession({ connect: proxy.connect, backoff: { initialMs: 100 } });
  const observer = await openSession();
  const root = `/sluice-test/${uniqueName('zk-session')}`;
  t.after(async () => {
    await removeTree(observer.client, root);
    await Promise.all([session.close(), observer.close(), proxy.close()]);
  });
  await observer.client.mkdirp(root);

  // performance.now(), the clock of the lease.
  const states: Array<[ZkSessionState, number]> = [];
  session.on('state', (state) => states.push([state, performance.now()]));
  const clients: ZkClient[] = [];
  // The owner's pattern: (re-)create its ephemeral node on every new session.
  session.onSession((client) => {
    clients.push(client);
    void client.create(`${root}/owner-${client.sessionId}`, Buffer.from('x'), 'ephemeral');
  });
  await eventually('owner ran on the first session', 5_000, () => (clients.length === 1 ? true : undefined));
  const firstClient = clients[0] as ZkClient;
  const first = firstClient.sessionId;
  assert.equal(session.state, 'connected');
  assert.ok(session.hasLease());
  const leaseLeft = session.leaseUntil() - performance.now();
  assert.ok(leaseLeft > 0 && leaseLeft <= SESSION_TIMEOUT_MS * LEASE_SHARE, `lease ${leaseLeft} ms`);
  await eventually('first ephemeral node', 5_000, async () =>
    (await observer.client.exists(`${root}/owner-${first}`)) ? true : undefined,
  );

  const cutAt = performance.now();
  proxy.block();
  const expiredAt = await eventually('expired', 10_000, () => states.find(([state]) => state === 'expired')?.[1]);
  // The send time of the last request ZooKeeper answered, read now: an answer already on its way at the cut still renewed.
  const confirmedAt = firstClient.confirmedAt;
  const lapsedAt = confirmedAt + SESSION_TIMEOUT_MS * LEASE_SHARE;
  t.diagnostic(
    `cut off: declared expired ${Math.round(expiredAt - cutAt)} ms after the cut, ${Math.round(expiredAt - lapsedAt)} ms after the lease lapsed ` +
      `(last answered request sent ${Math.round(cutAt - confirmedAt)} ms before the cut; session timeout ${SESSION_TIMEOUT_MS} ms)`,
  );
  assert.ok(confirmedAt <= cutAt, 'nothing sent after the cut was answered');
  assert.ok(expiredAt >= lapsedAt, `declared expired ${Math.round(lapsedAt - expiredAt)} ms before its lease lapsed`);
  // The lapse is acted on at once: 1 s covers a late timer on a loaded machine.
  assert.ok(expiredAt - lapsedAt <= 1_000, `declared expired ${Math.round(expiredAt - lapsedAt)} ms after its lease lapsed`);
  assert.equal(session.hasLease(), false);
  assert.equal(clients.length, 1, 'no new session while cut off');

  proxy.unblock();
  await eventually('a new session', 15_000, () => (clients.length === 2 && session.state === 'connected' ? true : undefined));
  t.diagnostic(`states: ${states.map(([state, at]) => `${state}@+${Math.round(at - cutAt)}ms`).join(' → ')}`);
  const second = clients[1]?.sessionId ?? '';
  assert.notEqual(second, first);
  assert.deepEqual(
    states.map(([state]) => state),
    ['disconnected', 'expired', 'connecting', 'connected'],
  );
  await eventually('the old ephemeral node is gone, the new one is there', 10_000, async () =>
    (await observer.client.exists(`${root}/owner-${first}`)) === null && (await observer.client.exists(`${root}/owner-${second}`)) !== null
      ? true
      : undefined,
  );
});

test('ZkSession: a process that could not hear from ZooKeeper for the session timeout loses its lease at once', async (t) => {
  const session = await openSession();
  t.after(() => session.close());
  await eventually('lease', 5_000, () => (session.hasLease() ? true : undefined));
  const states: ZkSessionState[] = [];
  session.on('state', (state) => states.push(state));

  // Block the event loop (like a long GC pause or SIGSTOP): no heartbeat, no ping.
  const blockedUntil = Date.now() + SESSION_TIMEOUT_MS + 500;
  while (Date.now() < blockedUntil);
  assert.equal(session.hasLease(), false, 'checked before any I/O or timer ran: no longer trusted');

  const before = session.client.sessionId;
  await eventually('expired, then a new session', 20_000, () => (states.includes('connected') ? true : undefined));
  // The socket's closing may be seen first ('disconnected'); the session is never resumed.
  assert.deepEqual(states.slice(states.indexOf('expired')), ['expired', 'connecting', 'connected'], states.join(' → '));
  assert.notEqual(session.client.sessionId, before);
  assert.ok(session.hasLease());
});
