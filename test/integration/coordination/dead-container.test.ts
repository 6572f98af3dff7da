/**
 * Releasing a dead container in the real ZooKeeper: its claims and registration go at once (its
 * session, standing in for a killed process's, is still alive), its successor claims its tasks
 * without waiting for that session to expire, and no other container's claim is touched.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseDeadContainer } from '../../../shared/coordination/dead-container.js';
import { HandOverBarrier } from '../../../shared/coordination/hand-over-barrier.js';
import { containerPath, containersDir, taskClaimPath } from '../../../shared/coordination/layout.js';
import { uniqueName } from '../../infra/services.js';
import { openSession, removeTree, SESSION_TIMEOUT_MS } from './helpers.js';

test('a dead container is released at once: its claims and registration go, its successor claims its tasks, others keep theirs', async (t) => {
  const job = uniqueName('dead-container');
  const [dead, other, scheduler, successor] = [await openSession(), await openSession(), await openSession(), await openSession()];
  t.after(async () => {
    await removeTree(scheduler.client, `/sluice/${job}`);
    await Promise.all([dead, other, scheduler, successor].map((session) => session.close()));
  });
  // Its process is dead: nothing of it reacts any more, only its session stands until it expires.
  await dead.client.mkdirp(containersDir(job));
  await dead.client.create(containerPath(job, '1'), Buffer.from(JSON.stringify({ host: 'host-a', pid: 1 })), 'ephemeral');
  const deadClaims = new HandOverBarrier(dead, { job, containerId: '1' }).start();
  await deadClaims.awaitReleased(['Partition 0', 'Partition/2'], { timeoutMs: 5_000 });
  const otherClaims = new HandOverBarrier(other, { job, containerId: '2' }).start();
  await otherClaims.awaitReleased(['Partition 1'], { timeoutMs: 5_000 });

  const released = await releaseDeadContainer(scheduler.client, job, '1');
  assert.deepEqual(released, { session: dead.client.sessionId, tasks: ['Partition 0', 'Partition/2'] });
  assert.equal(await scheduler.client.exists(containerPath(job, '1')), null, 'its registration is gone');
  assert.equal(
    (await scheduler.client.exists(taskClaimPath(job, 'Partition 1')))?.ephemeralOwner,
    other.client.sessionId,
    "the other container's claim stands",
  );

  const started = performance.now();
  const next = new HandOverBarrier(successor, { job, containerId: '1' }).start();
  await next.awaitReleased(['Partition 0', 'Partition/2'], { timeoutMs: SESSION_TIMEOUT_MS / 2 });
  const waited = performance.now() - started;
  assert.ok(next.holds('Partition 0') && next.holds('Partition/2'), 'the successor holds the dead container’s tasks');
  assert.ok(
    (next.epochOf('Partition 0') ?? 0n) > (deadClaims.epochOf('Partition 0') ?? 0n),
    'with a newer epoch than the dead one’s, which fences anything it might still write',
  );
  process.stdout.write(`# successor claimed the dead container's tasks ${waited.toFixed(0)} ms after the release\n`);

  assert.equal(await releaseDeadContainer(scheduler.client, job, '1'), undefined, 'nothing to release once its registration is gone');
  [deadClaims, otherClaims, next].forEach((barrier) => barrier.stop());
});
