/**
 * The real ZooKeeper works with node-zookeeper-client the way Sluice's coordination uses it:
 * create / read / compare-and-set / watch / delete, and ephemeral nodes that vanish with their session.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withTimeout } from '../../dev/services/net.js';
import { uniqueName, zkConnect, zkVersion } from '../infra/services.js';
import {
  closeZk,
  connectZk,
  CreateMode,
  zkCreate,
  zkExists,
  zkGetChildren,
  zkGetData,
  zkMkdirp,
  zkRemove,
  zkSetData,
  ZkEventType,
  ZkException,
  type ZkClient,
  type ZkEvent,
} from '../../dev/services/zk.js';

const WATCH_TIMEOUT_MS = 10_000;

/** A one-shot watcher and a promise of the event it receives. */
function watch(): { watcher: (event: ZkEvent) => void; event: Promise<ZkEvent> } {
  let watcher: (event: ZkEvent) => void = () => undefined;
  const event = new Promise<ZkEvent>((resolve) => {
    watcher = resolve;
  });
  return { watcher, event: withTimeout(event, WATCH_TIMEOUT_MS, 'ZooKeeper watch did not fire') };
}

async function removeTree(client: ZkClient, path: string): Promise<void> {
  for (const child of await zkGetChildren(client, path)) await removeTree(client, `${path}/${child}`);
  await zkRemove(client, path);
}

test('node-zookeeper-client: create, read, watch, compare-and-set and delete znodes', async (t) => {
  const client = await connectZk(zkConnect());
  const root = `/sluice-test/${uniqueName('zk-smoke')}`;
  t.after(async () => {
    await removeTree(client, root).catch(() => undefined);
    await closeZk(client);
  });
  t.diagnostic(`ZooKeeper ${zkVersion()} at ${zkConnect()}, session timeout ${client.getSessionTimeout()} ms`);

  await zkMkdirp(client, root);
  const node = `${root}/node`;
  assert.equal(await zkCreate(client, node, Buffer.from('hello')), node);
  const first = await zkGetData(client, node);
  assert.equal(first.data.toString(), 'hello');
  assert.equal(first.stat.version, 0);

  // A data watch fires once on the next change.
  const dataWatch = watch();
  await zkGetData(client, node, dataWatch.watcher);
  const updated = await zkSetData(client, node, Buffer.from('world'), first.stat.version);
  const dataEvent = await dataWatch.event;
  assert.equal(dataEvent.getType(), ZkEventType.NODE_DATA_CHANGED);
  assert.equal(dataEvent.getPath(), node);
  assert.equal(updated.version, 1);
  assert.equal((await zkGetData(client, node)).data.toString(), 'world');

  // setData with a stale version is a real compare-and-set.
  await assert.rejects(zkSetData(client, node, Buffer.from('stale'), 0), (error: unknown) => {
    assert.equal((error as { code?: number }).code, ZkException.BAD_VERSION);
    return true;
  });

  // exists can watch a node that is not there yet; a children watch sees it too.
  const child = `${root}/child`;
  const existsWatch = watch();
  const childrenWatch = watch();
  assert.equal(await zkExists(client, child, existsWatch.watcher), null);
  assert.deepEqual(await zkGetChildren(client, root, childrenWatch.watcher), ['node']);
  await zkCreate(client, child, Buffer.from('c'));
  assert.equal((await existsWatch.event).getType(), ZkEventType.NODE_CREATED);
  assert.equal((await childrenWatch.event).getType(), ZkEventType.NODE_CHILDREN_CHANGED);
  assert.deepEqual((await zkGetChildren(client, root)).sort(), ['child', 'node']);

  // Delete, and the deletion is watched.
  const deleteWatch = watch();
  await zkExists(client, node, deleteWatch.watcher);
  await zkRemove(client, node, updated.version);
  assert.equal((await deleteWatch.event).getType(), ZkEventType.NODE_DELETED);
  assert.equal(await zkExists(client, node), null);
  await assert.rejects(zkGetData(client, node), (error: unknown) => {
    assert.equal((error as { code?: number }).code, ZkException.NO_NODE);
    return true;
  });
});

test('node-zookeeper-client: an ephemeral node vanishes when its session closes, seen by another client', async (t) => {
  const observer = await connectZk(zkConnect());
  const owner = await connectZk(zkConnect());
  const root = `/sluice-test/${uniqueName('zk-ephemeral')}`;
  let ownerOpen = true;
  t.after(async () => {
    if (ownerOpen) await closeZk(owner).catch(() => undefined);
    await removeTree(observer, root).catch(() => undefined);
    await closeZk(observer);
  });

  await zkMkdirp(observer, root);
  const node = `${root}/leader`;
  await zkCreate(owner, node, Buffer.from('owner'), CreateMode.EPHEMERAL);
  const stat = await zkExists(observer, node);
  assert.notEqual(stat, null);
  assert.notEqual(Buffer.compare(stat?.ephemeralOwner ?? Buffer.alloc(8), Buffer.alloc(8)), 0, 'owned by a session');

  const gone = watch();
  assert.notEqual(await zkExists(observer, node, gone.watcher), null);
  await closeZk(owner);
  ownerOpen = false;
  const event = await gone.event;
  assert.equal(event.getType(), ZkEventType.NODE_DELETED);
  assert.equal(event.getPath(), node);
  assert.equal(await zkExists(observer, node), null);
});
