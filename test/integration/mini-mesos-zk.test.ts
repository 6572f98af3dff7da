/**
 * The mini Mesos announces its master in the real ZooKeeper the way a Mesos master started with
 * `--zk` does, read here with a plain ZooKeeper client as any zk:// master detector would: an
 * ephemeral sequential `json.info_` znode with JSON MasterInfo, replaced on a restart, gone on stop.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { jsonCodec, type MasterInfo } from '../../shared/mesos/index.js';
import { MiniMesos } from '../../dev/mini-mesos/index.js';
import { uniqueName, zkConnect } from '../infra/services.js';
import { eventually, ZkProxy } from './coordination/helpers.js';
import { closeZk, connectZk, zkExists, zkGetChildren, zkGetData, zkRemove, type ZkClient } from '../../dev/services/zk.js';

/** The leading master as a detector sees it: the smallest sequence, its name and decoded MasterInfo. */
async function leader(client: ZkClient, znode: string): Promise<{ name: string; info: MasterInfo; raw: Record<string, unknown> }> {
  const children = await zkGetChildren(client, znode);
  for (const child of children) assert.match(child, /^json\.info_\d{10}$/);
  const name = [...children].sort()[0];
  assert.ok(name !== undefined, `no master under ${znode}`);
  const { data } = await zkGetData(client, `${znode}/${name}`);
  return { name, info: jsonCodec.masterInfo.decode(data), raw: JSON.parse(data.toString('utf8')) as Record<string, unknown> };
}

/** Asserts that the MasterInfo leads to a live master with that id. */
async function assertPointsAtMaster(info: MasterInfo, mesos: MiniMesos): Promise<void> {
  const state = mesos.state().master;
  assert.equal(info.id, state.id);
  const response = await fetch(`http://${info.address?.ip}:${info.address?.port}/state`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as { id: string }).id, state.id);
  assert.equal(`http://${info.hostname}:${info.port}`, mesos.masterUrl);
}

test('mini Mesos with zk: the master is announced as json.info_, re-announced after a restart, gone after stop', async (t) => {
  const root = `/sluice-test/${uniqueName('mini-mesos-zk')}`;
  const znode = `${root}/mesos`;
  const workDir = await mkdtemp(path.join(tmpdir(), 'mini-mesos-zk-'));
  const client = await connectZk(zkConnect());
  const mesos = await MiniMesos.start({ agents: 1, workDir, zk: `zk://${zkConnect()}${znode}` });
  t.after(async () => {
    await mesos.stop();
    for (const node of [znode, root]) if (await zkExists(client, node)) await zkRemove(client, node);
    await closeZk(client);
    await rm(workDir, { recursive: true, force: true });
  });

  const first = await leader(client, znode);
  const port = new URL(mesos.masterUrl).port;
  assert.deepEqual(first.raw, {
    id: mesos.state().master.id,
    ip: 0x0100007f, // 127.0.0.1 as Mesos packs it: network-order bytes read as a little-endian uint32
    port: Number(port),
    pid: `master@127.0.0.1:${port}`,
    hostname: '127.0.0.1',
    version: '1.11.0',
    address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: Number(port) },
  });
  const stat = await zkExists(client, `${znode}/${first.name}`);
  assert.notEqual(stat?.ephemeralOwner.toString('hex'), '0000000000000000', 'the node is ephemeral');
  await assertPointsAtMaster(first.info, mesos);

  await mesos.restartMaster();
  const second = await leader(client, znode);
  assert.deepEqual(await zkGetChildren(client, znode), [second.name], 'the old master left, the new one is alone');
  assert.ok(second.name > first.name, `${second.name} follows ${first.name}`);
  assert.notEqual(second.info.id, first.info.id);
  await assertPointsAtMaster(second.info, mesos);

  await mesos.stop();
  assert.deepEqual(await zkGetChildren(client, znode), []);
});

test('mini Mesos with zk: after its ZooKeeper session expired, the master is announced again', async (t) => {
  const root = `/sluice-test/${uniqueName('mini-mesos-zk-expiry')}`;
  const workDir = await mkdtemp(path.join(tmpdir(), 'mini-mesos-zk-'));
  const proxy = await ZkProxy.start();
  const client = await connectZk(zkConnect());
  const mesos = await MiniMesos.start({ agents: 0, workDir, zk: `zk://${proxy.connect}${root}` });
  t.after(async () => {
    await mesos.stop();
    await proxy.close();
    if (await zkExists(client, root)) await zkRemove(client, root);
    await closeZk(client);
    await rm(workDir, { recursive: true, force: true });
  });
  const before = await leader(client, root);

  // Cut off past the session timeout (10 s, Mesos's default): the server drops the session and its node.
  proxy.block();
  await eventually('the expired session took the node along', 30_000, async () =>
    (await zkGetChildren(client, root)).length === 0 ? true : undefined,
  );
  proxy.unblock();
  const after = await eventually('the master announced again', 30_000, async () =>
    (await zkGetChildren(client, root)).length === 1 ? leader(client, root) : undefined,
  );
  assert.ok(after.name > before.name);
  assert.deepEqual(after.info, before.info);
});

test('mini Mesos with zk: a zk URL without a path is refused before anything starts', async () => {
  await assert.rejects(
    MiniMesos.start({ workDir: tmpdir(), zk: `zk://${zkConnect()}` }),
    /zk must be zk:\/\/host:port\[,host:port\]\/path/,
  );
});
