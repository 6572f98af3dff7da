import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ExecutorInfo } from '../../../shared/mesos/index.js';
import {
  executorInfo,
  expectUpdate,
  frameworkInfo,
  launch,
  nextOffer,
  runningReport,
  scalar,
  startCluster,
  taskInfo,
} from './helpers/cluster.js';
import { TestScheduler } from './helpers/scheduler-client.js';

test('a launched task runs in a real executor with the Mesos sandbox and environment', async (t) => {
  const mesos = await startCluster(t, { executorShutdownGracePeriodMs: 3000 });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo({ checkpoint: true }));
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  const executor = executorInfo('exec-1', {
    command: { ...executorInfo('x').command, environment: { variables: [{ name: 'EXTRA', value: 'yes' }] } },
  });
  await launch(scheduler, offer, [taskInfo('task-1', offer, executor)]);
  const starting = await expectUpdate(scheduler, 'task-1', 'TASK_STARTING');
  assert.equal(starting.source, 'SOURCE_EXECUTOR');
  assert.equal(starting.agent_id?.value, offer.agent_id.value);
  assert.equal(starting.executor_id?.value, 'exec-1');
  assert.equal(starting.uuid?.length, 16);
  const report = runningReport(await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING'));

  const run = mesos.state().executors.find((e) => e.executorId === 'exec-1');
  assert.ok(run !== undefined);
  const agent = mesos.agents[0];
  const sandbox = path.join(
    agent?.workDir ?? '',
    'slaves',
    offer.agent_id.value,
    'frameworks',
    scheduler.frameworkId,
    'executors',
    'exec-1',
    'runs',
    run.containerId,
  );
  assert.equal(run.directory, sandbox);
  assert.equal(fs.realpathSync(report.cwd), fs.realpathSync(sandbox), 'the sandbox is the working directory');
  assert.equal(fs.readlinkSync(path.join(path.dirname(sandbox), 'latest')), run.containerId);
  assert.ok(fs.existsSync(path.join(sandbox, 'stdout')) && fs.existsSync(path.join(sandbox, 'stderr')));
  assert.deepEqual(report.env, {
    MESOS_FRAMEWORK_ID: scheduler.frameworkId,
    MESOS_EXECUTOR_ID: 'exec-1',
    MESOS_DIRECTORY: sandbox,
    MESOS_SANDBOX: sandbox,
    MESOS_SLAVE_ID: offer.agent_id.value,
    MESOS_SLAVE_PID: `slave(1)@${agent?.endpoint ?? ''}`,
    MESOS_AGENT_ENDPOINT: agent?.endpoint,
    MESOS_CHECKPOINT: '1',
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '3secs',
    MESOS_RECOVERY_TIMEOUT: '15mins',
    MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs',
  });
  assert.equal(mesos.state().tasks.find((task) => task.taskId === 'task-1')?.state, 'TASK_RUNNING');

  // A second task for the same executor goes to the same process, and offers name the executor.
  const next = await nextOffer(scheduler, (o) => (o.executor_ids ?? []).some((id) => id.value === 'exec-1'));
  await launch(scheduler, next, [taskInfo('task-2', next, executor)]);
  await expectUpdate(scheduler, 'task-2', 'TASK_STARTING');
  assert.equal(runningReport(await expectUpdate(scheduler, 'task-2', 'TASK_RUNNING')).pid, report.pid);
});

test('status updates are retried until acknowledged, and only the head of a task’s queue is sent', async (t) => {
  const mesos = await startCluster(t, { statusUpdateRetryMs: 150 });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('exec-1'))]);
  const first = await scheduler.update('task-1', 'TASK_STARTING');
  const retried = await scheduler.update('task-1', 'TASK_STARTING', 2000);
  assert.deepEqual(retried.uuid, first.uuid, 'a retry is the same update');
  assert.ok(!scheduler.history.some((e) => e.update?.status.state === 'TASK_RUNNING'), 'RUNNING waits behind the unacknowledged STARTING');
  await scheduler.acknowledge(first);
  await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING');
  scheduler.drain('UPDATE');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(
    scheduler
      .drain('UPDATE')
      .map((e) => e.update?.status.state)
      .filter((s) => s !== 'TASK_STARTING'),
    [],
    'no retries once acknowledged',
  );
});

test('KILL reaches the executor; the terminal update, once acknowledged, retires the task', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('exec-1'))]);
  await expectUpdate(scheduler, 'task-1', 'TASK_STARTING');
  await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING');
  assert.equal(await scheduler.call({ type: 'KILL', kill: { task_id: { value: 'task-1' } } }), 202);
  const killed = await expectUpdate(scheduler, 'task-1', 'TASK_KILLED');
  assert.equal(killed.source, 'SOURCE_EXECUTOR');
  const state = mesos.state();
  assert.equal(state.tasks.length, 0);
  assert.deepEqual(
    state.completedTasks.map((task) => [task.taskId, task.state]),
    [['task-1', 'TASK_KILLED']],
  );

  await scheduler.call({ type: 'KILL', kill: { task_id: { value: 'never-launched' } } });
  const lost = await scheduler.update('never-launched', 'TASK_LOST');
  assert.equal(lost.reason, 'REASON_RECONCILIATION');
});

test('RECONCILE: explicit answers per task, implicit lists every known task; no uuid', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  const executor = executorInfo('exec-1');
  await launch(scheduler, offer, [taskInfo('a', offer, executor), taskInfo('b', offer, executor)]);
  for (const id of ['a', 'b']) {
    await expectUpdate(scheduler, id, 'TASK_STARTING');
    await expectUpdate(scheduler, id, 'TASK_RUNNING');
  }
  await scheduler.call({
    type: 'RECONCILE',
    reconcile: {
      tasks: [{ task_id: { value: 'a' } }, { task_id: { value: 'gone' }, agent_id: offer.agent_id }, { task_id: { value: 'nowhere' } }],
    },
  });
  const a = await scheduler.update('a', 'TASK_RUNNING');
  assert.deepEqual(
    [a.source, a.reason, a.message, a.uuid],
    ['SOURCE_MASTER', 'REASON_RECONCILIATION', 'Reconciliation: Latest task state', undefined],
  );
  assert.equal((await scheduler.update('gone', 'TASK_LOST')).message, 'Reconciliation: Task is unknown to the agent');
  assert.equal((await scheduler.update('nowhere', 'TASK_LOST')).message, 'Reconciliation: Task is unknown');

  await scheduler.call({ type: 'RECONCILE', reconcile: {} });
  const implicit = await Promise.all(['a', 'b'].map((id) => scheduler.update(id, 'TASK_RUNNING')));
  assert.ok(implicit.every((status) => status.reason === 'REASON_RECONCILIATION'));
});

test('MESSAGE goes to the executor and the executor’s MESSAGE comes back to the scheduler', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('exec-1'))]);
  await expectUpdate(scheduler, 'task-1', 'TASK_STARTING');
  await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING');
  await scheduler.call({
    type: 'MESSAGE',
    message: { agent_id: offer.agent_id, executor_id: { value: 'exec-1' }, data: Buffer.from('ping') },
  });
  const reply = await scheduler.next('MESSAGE');
  assert.equal(Buffer.from(reply.message?.data ?? []).toString(), 'echo:ping');
  assert.equal(reply.message?.executor_id.value, 'exec-1');
});

test('invalid tasks get TASK_ERROR from the master', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  const executor = executorInfo('exec-1');
  await launch(scheduler, offer, [
    taskInfo('greedy', offer, executor, {}, [scalar('cpus', 64)]),
    { ...taskInfo('no-executor', offer, executor), executor: undefined, command: { value: 'true' } },
    { ...taskInfo('elsewhere', offer, executor), agent_id: { value: 'other-agent' } },
  ]);
  const greedy = await scheduler.update('greedy', 'TASK_ERROR');
  assert.deepEqual([greedy.reason, greedy.source, greedy.uuid], ['REASON_TASK_INVALID', 'SOURCE_MASTER', undefined]);
  assert.match(greedy.message ?? '', /more resources/);
  assert.match((await scheduler.update('no-executor', 'TASK_ERROR')).message ?? '', /command executor/);
  assert.match((await scheduler.update('elsewhere', 'TASK_ERROR')).message ?? '', /invalid agent/);
  assert.equal(mesos.state().executors.length, 0);
});

test('LAUNCH_GROUP delivers a task group to a CUSTOM executor; an untyped or DEFAULT executor is refused', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  const group = (executor: ExecutorInfo, ...ids: string[]) => ({
    type: 'LAUNCH_GROUP' as const,
    launch_group: { executor, task_group: { tasks: ids.map((id) => ({ ...taskInfo(id, offer, executor), executor: undefined })) } },
  });
  const { type: _type, ...untyped } = executorInfo('untyped');
  await scheduler.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [
        group(executorInfo('grouped'), 'g1', 'g2'),
        group(untyped, 'u1'),
        group(executorInfo('default', { type: 'DEFAULT' }), 'd1'),
      ],
      filters: { refuse_seconds: 0 },
    },
  });
  const pids = new Set<number>();
  for (const id of ['g1', 'g2']) {
    await expectUpdate(scheduler, id, 'TASK_STARTING');
    pids.add(runningReport(await expectUpdate(scheduler, id, 'TASK_RUNNING')).pid);
  }
  assert.equal(pids.size, 1, 'one executor runs the whole group');
  assert.equal((await scheduler.update('u1', 'TASK_ERROR')).message, "'ExecutorInfo.type' must be set");
  assert.match((await scheduler.update('d1', 'TASK_ERROR')).message ?? '', /DEFAULT executor/);
});
