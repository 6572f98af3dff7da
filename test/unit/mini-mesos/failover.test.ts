import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  executorInfo,
  expectUpdate,
  frameworkInfo,
  launch,
  nextOffer,
  processExists,
  startCluster,
  taskInfo,
  waitFor,
} from './helpers/cluster.js';
import { TestScheduler } from './helpers/scheduler-client.js';

async function withRunningTask(t: import('node:test').TestContext, failoverTimeout: number) {
  const mesos = await startCluster(t);
  const info = frameworkInfo({ failover_timeout: failoverTimeout });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, info);
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('exec-1'))]);
  await expectUpdate(scheduler, 'task-1', 'TASK_STARTING');
  await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING');
  return { mesos, scheduler, offer, info: { ...info, id: { value: scheduler.frameworkId } } };
}

test('a scheduler that fails over within failover_timeout keeps its tasks; the old stream gets ERROR', async (t) => {
  const { mesos, scheduler, offer, info } = await withRunningTask(t, 60);
  const pid = mesos.state().executors[0]?.pid ?? 0;
  const successor = await TestScheduler.subscribe(mesos.masterUrl, info);
  t.after(() => successor.close());
  assert.equal(successor.frameworkId, scheduler.frameworkId);
  assert.notEqual(successor.streamId, scheduler.streamId);
  assert.equal((await scheduler.next('ERROR')).error?.message, 'Framework failed over');
  await scheduler.ended;
  assert.equal(await scheduler.call({ type: 'REVIVE' }), 400, 'the old stream id is no longer valid');

  // The old offer was discarded: a fresh one comes to the new subscription.
  const fresh = await nextOffer(successor);
  assert.notEqual(fresh.id.value, offer.id.value);
  await successor.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'task-1' } }] } });
  await successor.update('task-1', 'TASK_RUNNING');
  assert.ok(processExists(pid), 'the executor kept running');
});

test('updates sent while the scheduler is away are delivered after it re-subscribes', async (t) => {
  const { mesos, scheduler, info } = await withRunningTask(t, 60);
  scheduler.close();
  await waitFor('the framework to be disconnected', () => mesos.state().frameworks[0]?.connected === false);
  mesos.killExecutor('task-1');
  await new Promise((resolve) => setTimeout(resolve, 400));
  const successor = await TestScheduler.subscribe(mesos.masterUrl, info);
  t.after(() => successor.close());
  const failed = await expectUpdate(successor, 'task-1', 'TASK_FAILED');
  assert.equal(failed.reason, 'REASON_EXECUTOR_TERMINATED');
});

test('when failover_timeout expires the framework is removed and its executors shut down', async (t) => {
  const { mesos, scheduler, info } = await withRunningTask(t, 0.3);
  const pid = mesos.state().executors[0]?.pid ?? 0;
  scheduler.close();
  await waitFor('the framework to be removed', () => mesos.state().removedFrameworks.includes(scheduler.frameworkId));
  assert.deepEqual(
    mesos.state().completedTasks.map((task) => [task.taskId, task.state]),
    [['task-1', 'TASK_KILLED']],
  );
  await waitFor('the executor to exit', () => !processExists(pid));
  await waitFor('the agent to forget the framework', () => mesos.state().executors.length === 0);

  const late = await TestScheduler.subscribe(mesos.masterUrl, info);
  assert.equal(late.history[0]?.error?.message, 'Framework has been removed');
  await late.ended;
});

test('TEARDOWN removes the framework at once and closes its stream', async (t) => {
  const { mesos, scheduler } = await withRunningTask(t, 60);
  const pid = mesos.state().executors[0]?.pid ?? 0;
  assert.equal(await scheduler.call({ type: 'TEARDOWN' }), 202);
  await scheduler.ended;
  assert.ok(mesos.state().removedFrameworks.includes(scheduler.frameworkId));
  await waitFor('the executor to exit', () => !processExists(pid));
});
