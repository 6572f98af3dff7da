import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { FrameworkInfo } from '../../../shared/mesos/index.js';
import { MiniMesos } from '../../../dev/mini-mesos/index.js';
import {
  executorInfo,
  expectUpdate,
  frameworkInfo,
  launch,
  nextOffer,
  processExists,
  runningReport,
  startCluster,
  taskInfo,
  waitFor,
} from './helpers/cluster.js';
import { TestScheduler } from './helpers/scheduler-client.js';

async function clusterWithTask(t: import('node:test').TestContext, info: FrameworkInfo) {
  const mesos = await startCluster(t, { agents: 2 });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, info);
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler, (o) => o.hostname === '127.0.0.2');
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('exec-1'))]);
  await expectUpdate(scheduler, 'task-1', 'TASK_STARTING');
  const report = runningReport(await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING'));
  return { mesos, scheduler, agentId: offer.agent_id.value, pid: report.pid };
}

test('loseAgent: tasks LOST, offers rescinded, FAILURE; updates wait on the agent until restoreAgent', async (t) => {
  const { mesos, scheduler, agentId, pid } = await clusterWithTask(t, frameworkInfo());
  const held = await nextOffer(scheduler, (o) => o.agent_id.value === agentId);
  mesos.loseAgent(agentId);
  const lost = await scheduler.update('task-1', 'TASK_LOST');
  assert.deepEqual(
    [lost.source, lost.reason, lost.uuid, lost.message],
    ['SOURCE_MASTER', 'REASON_AGENT_REMOVED', undefined, 'health check timed out'],
  );
  assert.equal((await scheduler.next('RESCIND')).rescind?.offer_id.value, held.id.value);
  const failure = (await scheduler.next('FAILURE')).failure;
  assert.deepEqual([failure?.agent_id?.value, failure?.executor_id], [agentId, undefined]);
  assert.equal(mesos.state().agents.find((agent) => agent.id === agentId)?.reachable, false);
  assert.ok(processExists(pid), 'a partition does not kill executors');

  await scheduler.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'task-1' }, agent_id: { value: agentId } }] } });
  assert.equal((await scheduler.update('task-1', 'TASK_LOST')).message, 'Reconciliation: Task is unreachable');

  mesos.killExecutor('task-1');
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.ok(!scheduler.history.some((e) => e.update?.status.state === 'TASK_FAILED'), 'no update crosses the partition');
  scheduler.drain('OFFERS');

  // Back: the master announces what the agent reports (the task failed meanwhile), then the
  // agent's own update, which waited out the partition, arrives.
  mesos.restoreAgent(agentId);
  const announced = await scheduler.update('task-1', 'TASK_FAILED');
  assert.deepEqual(
    [announced.reason, announced.message, announced.uuid],
    ['REASON_AGENT_REREGISTERED', 'Unreachable agent re-reregistered', undefined],
  );
  const failed = await expectUpdate(scheduler, 'task-1', 'TASK_FAILED');
  assert.deepEqual([failed.source, failed.reason], ['SOURCE_AGENT', 'REASON_EXECUTOR_TERMINATED']);
  await nextOffer(scheduler, (o) => o.agent_id.value === agentId);
});

test('a PARTITION_AWARE framework sees TASK_UNREACHABLE with unreachable_time, and the task back as RUNNING', async (t) => {
  const { mesos, scheduler, agentId } = await clusterWithTask(t, frameworkInfo({ capabilities: [{ type: 'PARTITION_AWARE' }] }));
  const before = Date.now();
  mesos.loseAgent(agentId);
  const unreachable = await scheduler.update('task-1', 'TASK_UNREACHABLE');
  assert.ok((unreachable.unreachable_time?.nanoseconds ?? 0) / 1e6 >= before - 1);
  await scheduler.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'x' } }] } });
  assert.equal((await scheduler.update('x', 'TASK_UNKNOWN')).message, 'Reconciliation: Task is unknown');
  mesos.restoreAgent(agentId);
  const back = await scheduler.update('task-1', 'TASK_RUNNING');
  assert.deepEqual([back.reason, back.source], ['REASON_AGENT_REREGISTERED', 'SOURCE_MASTER']);
  assert.equal(mesos.state().tasks[0]?.state, 'TASK_RUNNING');
});

test('restartMaster breaks the streams; schedulers re-subscribe with their id and find their tasks', async (t) => {
  const info = frameworkInfo({ failover_timeout: 60 });
  const { mesos, scheduler, pid } = await clusterWithTask(t, info);
  const oldMaster = mesos.state().master.id;
  await mesos.restartMaster({ downtimeMs: 200 });
  await scheduler.ended;
  assert.notEqual(mesos.state().master.id, oldMaster);
  assert.deepEqual(
    mesos.state().frameworks.map((f) => [f.id, f.connected]),
    [[scheduler.frameworkId, false]],
    'known again from the agent',
  );

  const again = await TestScheduler.subscribe(mesos.masterUrl, { ...info, id: { value: scheduler.frameworkId } });
  t.after(() => again.close());
  assert.equal(again.history[0]?.subscribed?.framework_id.value, scheduler.frameworkId);
  await again.call({ type: 'RECONCILE', reconcile: {} });
  await again.update('task-1', 'TASK_RUNNING');
  assert.ok(processExists(pid), 'tasks survive a master failover');
  const offer = await nextOffer(again);
  assert.ok(offer.id.value.startsWith(mesos.state().master.id), 'offers come from the new master');
});

test('stop() kills every executor process and its children', async (t) => {
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mini-mesos-test-'));
  t.after(() => fs.rm(workDir, { recursive: true, force: true }));
  const mesos = await MiniMesos.start({ agents: 2, workDir, allocationIntervalMs: 50 });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  const offers = (await scheduler.next('OFFERS')).offers?.offers ?? [];
  const pids: number[] = [];
  for (const [index, offer] of offers.entries()) {
    await launch(scheduler, offer, [taskInfo(`task-${index}`, offer, executorInfo(`exec-${index}`), { spawnGrandchild: true })]);
    await expectUpdate(scheduler, `task-${index}`, 'TASK_STARTING');
    const report = runningReport(await expectUpdate(scheduler, `task-${index}`, 'TASK_RUNNING'));
    pids.push(report.pid, report.grandchildPid ?? 0);
  }
  const groups = mesos.state().executors.map((executor) => executor.pid ?? 0);
  assert.equal(groups.length, 2);
  await mesos.stop();
  await scheduler.ended;
  await waitFor('every process to be gone', () => [...pids, ...groups.map((pid) => -pid)].every((pid) => !processExists(pid)), 5000);
});
