/**
 * What a rescale of a 1,000-container job (10,000 tasks) writes to the real ZooKeeper, counted
 * from the nodes themselves: every znode under the job's model created, deleted or with a new data
 * version between the two models. The job model is stored per container, so a rescale writes the
 * containers whose tasks changed, plus the model's root node, whatever the size of the job; and
 * a model too big for one znode (ZooKeeper's 1 MB `jute.maxbuffer`) is stored at all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ignoreNoNode } from '../../../shared/coordination/errors.js';
import { JobModelStore } from '../../../shared/coordination/job-model-store.js';
import { jobModelDir } from '../../../shared/coordination/layout.js';
import { LeaderElection } from '../../../shared/coordination/leader-election.js';
import type { ZkClient } from '../../../shared/coordination/zk-client.js';
import { planJobModel } from '../../../shared/model/plan-job-model.js';
import { encodeJobModel } from '../../../shared/model/job-model-codec.js';
import { uniqueName } from '../../infra/services.js';
import { nextEvent, openSession, removeTree } from './helpers.js';

/** Path → data version of every node under `root` (the root included). */
async function versions(client: ZkClient, root: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const walk = async (path: string): Promise<void> => {
    const stat = await client.exists(path);
    if (stat === null) return;
    found.set(path, stat.version);
    for (const child of (await ignoreNoNode(client.getChildren(path))) ?? []) await walk(`${path}/${child}`);
  };
  await walk(root);
  return found;
}

/** Nodes created, deleted or set between two `versions` snapshots. */
function written(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((path) => before.get(path) !== after.get(path)).sort();
}

test('a rescale of a 1,000-container job writes the changed containers and the root, not every container', async (t) => {
  const job = uniqueName('model-writes');
  const session = await openSession();
  const election = new LeaderElection(session, { job, candidate: 'leader' }).start();
  t.after(async () => {
    await election.stop();
    await removeTree(session.client, `/sluice/${job}`);
    await session.close();
  });
  await nextEvent(election, 'elected', 10_000);
  const store = new JobModelStore(session, job);
  const inputs = [{ system: 'kafka', topic: 'events', partitionCount: 10_000 }];
  const model = planJobModel(undefined, inputs, { job, containerCount: 1_000 });
  assert.ok(Buffer.byteLength(encodeJobModel(model)) > 1_048_576, 'the model is bigger than one znode may be');

  const first = await store.write(model, null, election.token());
  const before = await versions(session.client, jobModelDir(job));
  const rescaled = planJobModel(model, inputs, { job, containerCount: 1_001 });
  const changed = rescaled.containers.filter((c) => {
    const old = model.containers.find((o) => o.id === c.id);
    return old === undefined || old.tasks.map((x) => x.name).join() !== c.tasks.map((x) => x.name).join();
  });
  await store.write(rescaled, first, election.token());
  const writes = written(before, await versions(session.client, jobModelDir(job)));
  t.diagnostic(`${changed.length} containers changed; ${writes.length} znodes written`);
  // Each changed container's new node, its superseded node deleted, and the root.
  assert.ok(writes.length <= 2 * changed.length + 1, `${writes.length} znodes written for ${changed.length} changed containers`);

  const stored = await store.read();
  assert.deepEqual(stored?.model, rescaled);
});
