/**
 * The hand-over barrier in the real ZooKeeper: two containers swap tasks and neither starts a task
 * before its giver acknowledged; a cut-off giver stops (lost claims) before its taker starts; a
 * giver that never releases makes the taker fail after its timeout, naming the holder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HandOverBarrier } from '../../../shared/coordination/hand-over-barrier.js';
import type { ZkSession } from '../../../shared/coordination/zk-session.js';
import { uniqueName } from '../../infra/services.js';
import { nextEvent, openSession, removeTree, SESSION_TIMEOUT_MS, ZkProxy } from './helpers.js';

interface Step {
  readonly container: string;
  readonly what: 'acknowledged' | 'started';
  readonly task: string;
  readonly at: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a container does on a new model: commit and stop what it loses, acknowledge, await and start what it gains. */
async function handOver(
  barrier: HandOverBarrier,
  container: string,
  change: { lose: string[]; gain: string[]; commitMs: number },
  steps: Step[],
): Promise<void> {
  await sleep(change.commitMs); // the final commit of the tasks it loses
  for (const task of change.lose) steps.push({ container, what: 'acknowledged', task, at: Date.now() });
  await barrier.release(change.lose);
  await barrier.awaitReleased(change.gain, { timeoutMs: 10_000, modelVersion: 2 });
  for (const task of change.gain) steps.push({ container, what: 'started', task, at: Date.now() });
}

async function setUp(t: { after(fn: () => Promise<void>): void }, job: string, sessions: ZkSession[], ids: string[]) {
  const barriers = ids.map((id, i) => new HandOverBarrier(sessions[i] as ZkSession, { job, containerId: id }).start());
  t.after(async () => {
    barriers.forEach((b) => b.stop());
    const cleaner = await openSession();
    await removeTree(cleaner.client, `/sluice/${job}`);
    await Promise.all([cleaner.close(), ...sessions.map((s) => s.close())]);
  });
  return barriers;
}

test('barrier: two containers swap tasks; each starts its new task only after the giver acknowledged', async (t) => {
  const job = uniqueName('barrier-swap');
  const sessions = [await openSession(), await openSession()];
  const [c1, c2] = (await setUp(t, job, sessions, ['c1', 'c2'])) as [HandOverBarrier, HandOverBarrier];

  // Model 1: c1 runs Partition 0, c2 runs Partition 1.
  await c1.awaitReleased(['Partition 0'], { timeoutMs: 5_000, modelVersion: 1 });
  await c2.awaitReleased(['Partition 1'], { timeoutMs: 5_000, modelVersion: 1 });
  assert.ok(c1.holds('Partition 0') && !c1.holds('Partition 1'));
  await c1.awaitReleased(['Partition 0'], { timeoutMs: 1_000 }); // claiming what we hold is a no-op

  // Model 2 swaps them; c1's commit is slow, so c2 must wait for it.
  const steps: Step[] = [];
  const started = Date.now();
  await Promise.all([
    handOver(c1, 'c1', { lose: ['Partition 0'], gain: ['Partition 1'], commitMs: 1_500 }, steps),
    handOver(c2, 'c2', { lose: ['Partition 1'], gain: ['Partition 0'], commitMs: 100 }, steps),
  ]);
  const at = (container: string, what: Step['what'], task: string): number =>
    steps.find((s) => s.container === container && s.what === what && s.task === task)?.at ?? Number.NaN;
  t.diagnostic(steps.map((s) => `${s.container} ${s.what} ${s.task} at +${s.at - started} ms`).join('; '));
  assert.ok(at('c2', 'started', 'Partition 0') >= at('c1', 'acknowledged', 'Partition 0'), 'c2 started Partition 0 before c1 let it go');
  assert.ok(at('c1', 'started', 'Partition 1') >= at('c2', 'acknowledged', 'Partition 1'), 'c1 started Partition 1 before c2 let it go');
  assert.ok(at('c2', 'started', 'Partition 0') - started >= 1_500, 'c2 waited for the slow commit');
  assert.deepEqual([c1.heldTasks(), c2.heldTasks()], [['Partition 1'], ['Partition 0']]);
  assert.ok(c1.holds('Partition 1') && c2.holds('Partition 0') && !c1.holds('Partition 0'));
});

test('barrier: a giver cut off from ZooKeeper loses its claims (and stops) before the taker can start', async (t) => {
  const job = uniqueName('barrier-partition');
  const proxy = await ZkProxy.start();
  t.after(() => proxy.close());
  const sessions = [await openSession({ connect: proxy.connect }), await openSession()];
  const [giver, taker] = (await setUp(t, job, sessions, ['giver', 'taker'])) as [HandOverBarrier, HandOverBarrier];
  await giver.awaitReleased(['Partition 7'], { timeoutMs: 5_000 });

  const cutAt = Date.now();
  proxy.block();
  const lost = nextEvent<[string[]]>(giver, 'lost', SESSION_TIMEOUT_MS + 2_000).then(([tasks]) => ({ tasks, at: Date.now() }));
  await taker.awaitReleased(['Partition 7'], { timeoutMs: SESSION_TIMEOUT_MS * 3 });
  const startedAt = Date.now();
  const { tasks, at: lostAt } = await lost;
  t.diagnostic(`giver lost its claims after ${lostAt - cutAt} ms; taker claimed after ${startedAt - cutAt} ms`);
  assert.deepEqual(tasks, ['Partition 7']);
  assert.ok(lostAt <= startedAt, 'the giver was told to stop before the taker started');
  assert.equal(giver.holds('Partition 7'), false);
  assert.ok(taker.holds('Partition 7'));
});

test('barrier: a giver that never releases makes the taker fail after its timeout, naming the holder', async (t) => {
  const job = uniqueName('barrier-timeout');
  const sessions = [await openSession(), await openSession()];
  const [stuck, taker] = (await setUp(t, job, sessions, ['stuck-container', 'taker'])) as [HandOverBarrier, HandOverBarrier];
  await stuck.awaitReleased(['Partition 3'], { timeoutMs: 5_000 });
  const started = Date.now();
  await assert.rejects(taker.awaitReleased(['Partition 3', 'Partition 4'], { timeoutMs: 500 }), (error: unknown) => {
    assert.equal((error as { code?: string }).code, 'ZK_TIMEOUT');
    assert.match((error as Error).message, /task 'Partition 3' is still held by container 'stuck-container'/);
    return true;
  });
  assert.ok(Date.now() - started < 2_000, 'bounded by the timeout');
  assert.deepEqual(taker.heldTasks(), ['Partition 4'], 'the free task was claimed anyway');
  assert.equal(taker.holds('Partition 3'), false);
  // Releasing a task we do not hold leaves the holder's claim alone.
  await taker.release(['Partition 3']);
  assert.ok(stuck.holds('Partition 3'));
});
