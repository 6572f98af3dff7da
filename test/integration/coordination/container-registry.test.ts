/**
 * The container registry in the real ZooKeeper: a container's ephemeral node appears, carries its
 * model version, vanishes when its session ends, and comes back on a new session.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContainerRegistration, ContainerRegistry, type ContainerInfo } from '../../../shared/coordination/container-registry.js';
import { uniqueName } from '../../infra/services.js';
import { eventually, openSession, removeTree, SESSION_TIMEOUT_MS, ZkProxy } from './helpers.js';

test('registry: containers register, publish their model version, and vanish when their session closes', async (t) => {
  const job = uniqueName('registry');
  const observer = await openSession();
  const first = await openSession();
  const second = await openSession();
  const registry = new ContainerRegistry(observer, job);
  const lists: ContainerInfo[][] = [];
  const unwatch = registry.watch((containers) => lists.push(containers));
  const one = new ContainerRegistration(first, job, { id: '1', host: 'host-a', pid: 111 }).start();
  const two = new ContainerRegistration(second, job, { id: 'x/2', host: 'host-b', pid: 222, url: 'http://127.0.0.1:4242' }).start();
  t.after(async () => {
    unwatch();
    await two.stop();
    await removeTree(observer.client, `/sluice/${job}`);
    await Promise.all([observer.close(), first.close(), second.close()]);
  });
  await Promise.all([one.registered(5_000), two.registered(5_000)]);
  assert.deepEqual(await registry.list(), [
    { id: '1', host: 'host-a', pid: 111, modelVersion: null, url: null, session: first.client.sessionId },
    { id: 'x/2', host: 'host-b', pid: 222, modelVersion: null, url: 'http://127.0.0.1:4242', session: second.client.sessionId },
  ]);

  await one.setModelVersion(3);
  await eventually('the watch saw model version 3', 5_000, () =>
    lists.at(-1)?.find((c) => c.id === '1')?.modelVersion === 3 ? true : undefined,
  );

  const closedAt = Date.now();
  await first.close();
  await eventually('container 1 vanished from the watch', 5_000, () =>
    lists
      .at(-1)
      ?.map((c) => c.id)
      .join() === 'x/2'
      ? true
      : undefined,
  );
  t.diagnostic(`closed session's container gone from the watch after ${Date.now() - closedAt} ms`);
  assert.deepEqual(
    (await registry.list()).map((c) => c.id),
    ['x/2'],
  );
});

test('registry: a container re-registers on a new session; a second incarnation waits for the first to go', async (t) => {
  const job = uniqueName('registry-session');
  const proxy = await ZkProxy.start();
  const observer = await openSession();
  const container = await openSession({ connect: proxy.connect, backoff: { initialMs: 100 } });
  const registry = new ContainerRegistry(observer, job);
  const twin = await openSession();
  const registration = new ContainerRegistration(container, job, { id: '0', host: 'host-a', pid: 1 }).start();
  // A second incarnation of container 0 (started below).
  const second = new ContainerRegistration(twin, job, { id: '0', host: 'host-b', pid: 2 });
  t.after(async () => {
    await Promise.all([registration.stop(), second.stop()]);
    await removeTree(observer.client, `/sluice/${job}`);
    await Promise.all([observer.close(), container.close(), twin.close(), proxy.close()]);
  });
  await registration.registered(5_000);
  await registration.setModelVersion(7);
  const before = container.client.sessionId;

  proxy.block();
  await eventually('session expired', SESSION_TIMEOUT_MS + 2_000, () => (container.state === 'expired' ? true : undefined));
  assert.equal(registration.isRegistered(), false);
  proxy.unblock();
  await registration.registered(15_000);
  // The old node may outlive the client's view briefly (until the server expires that session).
  const [info] = await eventually('registered under the new session', 10_000, async () => {
    const list = await registry.list();
    return list.length === 1 && list[0]?.session !== before ? list : undefined;
  });
  assert.equal(info?.session, container.client.sessionId);
  assert.equal(info?.modelVersion, 7, 'the new node carries the latest model version');

  // A second incarnation of container 0 cannot register while the first is alive.
  second.start();
  await assert.rejects(second.registered(1_000), { code: 'ZK_TIMEOUT' });
  await registration.stop();
  await second.registered(5_000);
  assert.deepEqual(
    (await registry.list()).map((c) => c.host),
    ['host-b'],
  );
});
