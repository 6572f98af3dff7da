import assert from 'node:assert/strict';
import { test } from 'node:test';
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

async function runningTask(t: import('node:test').TestContext, options: Parameters<typeof startCluster>[1] = {}) {
  const mesos = await startCluster(t, options);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  return { mesos, scheduler, offer };
}

test('an executor that exits fails its live tasks (REASON_EXECUTOR_TERMINATED, with uuid) and the scheduler gets FAILURE', async (t) => {
  const { scheduler, offer } = await runningTask(t);
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('exec-1'), { crashAfterMs: 100 })]);
  await expectUpdate(scheduler, 'task-1', 'TASK_STARTING');
  await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING');
  const failed = await expectUpdate(scheduler, 'task-1', 'TASK_FAILED');
  assert.deepEqual([failed.source, failed.reason, failed.message], ['SOURCE_AGENT', 'REASON_EXECUTOR_TERMINATED', 'Executor terminated']);
  assert.equal(failed.uuid?.length, 16);
  const failure = (await scheduler.next('FAILURE')).failure;
  assert.deepEqual([failure?.agent_id?.value, failure?.executor_id?.value, failure?.status], [offer.agent_id.value, 'exec-1', 3 << 8]);
});

test('killExecutor SIGKILLs the executor’s process group', async (t) => {
  const { mesos, scheduler, offer } = await runningTask(t);
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('exec-1'), { spawnGrandchild: true })]);
  await expectUpdate(scheduler, 'task-1', 'TASK_STARTING');
  const report = runningReport(await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING'));
  const pid = mesos.killExecutor('task-1');
  await expectUpdate(scheduler, 'task-1', 'TASK_FAILED');
  assert.equal((await scheduler.next('FAILURE')).failure?.status, 9, 'killed by SIGKILL');
  await waitFor('the group to die', () => !processExists(-pid) && !processExists(report.grandchildPid ?? -1));
});

test('an executor that never subscribes is killed after the registration timeout', async (t) => {
  const { mesos, scheduler, offer } = await runningTask(t, { executorRegistrationTimeoutMs: 400 });
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('silent', { command: { value: 'exec sleep 30' } }))]);
  await waitFor('the executor process', () => mesos.state().executors[0]?.pid !== undefined);
  const pid = mesos.state().executors[0]?.pid ?? 0;
  const failed = await expectUpdate(scheduler, 'task-1', 'TASK_FAILED');
  assert.deepEqual([failed.reason, failed.message], ['REASON_EXECUTOR_REGISTRATION_TIMEOUT', 'Executor did not register within 400ms']);
  await waitFor('the executor to die', () => !processExists(pid));
});

test('a fetch failure fails the task with REASON_CONTAINER_LAUNCH_FAILED', async (t) => {
  const { scheduler, offer } = await runningTask(t);
  const executor = executorInfo('exec-1');
  const broken = { ...executor, command: { ...executor.command, uris: [{ value: '/nonexistent/bundle.tar.gz' }] } };
  await launch(scheduler, offer, [taskInfo('task-1', offer, broken)]);
  const failed = await expectUpdate(scheduler, 'task-1', 'TASK_FAILED');
  assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  assert.match(failed.message ?? '', /^Failed to launch container: Failed to fetch '\/nonexistent\/bundle.tar.gz'/);
  assert.equal((await scheduler.next('FAILURE')).failure?.status, -1);
});

test('SHUTDOWN sends the executor SHUTDOWN; it kills its tasks and exits', async (t) => {
  const { mesos, scheduler, offer } = await runningTask(t);
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('exec-1'))]);
  await expectUpdate(scheduler, 'task-1', 'TASK_STARTING');
  await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING');
  await scheduler.call({ type: 'SHUTDOWN', shutdown: { executor_id: { value: 'exec-1' }, agent_id: offer.agent_id } });
  await expectUpdate(scheduler, 'task-1', 'TASK_KILLED');
  assert.equal((await scheduler.next('FAILURE')).failure?.status, 0);
  await waitFor('the executor to be gone', () => mesos.state().executors.length === 0);
});

test('a KILL before the executor subscribed kills the queued task and shuts the executor down', async (t) => {
  const { mesos, scheduler, offer } = await runningTask(t);
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('silent', { command: { value: 'exec sleep 30' } }))]);
  await waitFor('the executor process', () => mesos.state().executors[0]?.pid !== undefined);
  await scheduler.call({ type: 'KILL', kill: { task_id: { value: 'task-1' } } });
  const killed = await expectUpdate(scheduler, 'task-1', 'TASK_KILLED');
  assert.deepEqual(
    [killed.source, killed.reason, killed.message],
    ['SOURCE_AGENT', 'REASON_TASK_KILLED_DURING_LAUNCH', 'Killed before delivery to the executor'],
  );
  await scheduler.next('FAILURE');
});

test('an executor that ignores SIGTERM is SIGKILLed killEscalationMs after the shutdown grace period', async (t) => {
  const { mesos, scheduler, offer } = await runningTask(t, { executorShutdownGracePeriodMs: 300, killEscalationMs: 300 });
  // `trap '' TERM` makes the shell, and the sleep it execs, ignore SIGTERM.
  const stubborn = executorInfo('stubborn', { command: { value: "trap '' TERM; exec sleep 30" } });
  await launch(scheduler, offer, [taskInfo('task-1', offer, stubborn)]);
  await waitFor('the executor process', () => mesos.state().executors[0]?.pid !== undefined);
  const started = Date.now();
  await scheduler.call({ type: 'SHUTDOWN', shutdown: { executor_id: { value: 'stubborn' }, agent_id: offer.agent_id } });
  assert.equal((await scheduler.next('FAILURE')).failure?.status, 9);
  assert.ok(Date.now() - started >= 550, 'SIGKILL comes after grace period + escalation');
  const failed = await scheduler.update('task-1', 'TASK_FAILED');
  assert.equal(failed.reason, 'REASON_EXECUTOR_TERMINATED');
});
