/**
 * An executor that outlives its tasks (issue #16: TASK_FAILED acknowledged, the process still
 * alive and holding its volume). The Mesos agent leaves it running: slave.cpp shuts an executor
 * down by itself only if it was never sent a task; a terminal acknowledged task just completes.
 * It goes when the scheduler sends SHUTDOWN: the executor gets the SHUTDOWN event, and if it
 * is still alive after its shutdown grace period the container is destroyed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MiniMesos } from '../../../dev/mini-mesos/index.js';
import type { ExecutorInfo, Resource, TaskStatus } from '../../../shared/mesos/index.js';
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
import type { RunningReport, TaskPlan } from './helpers/test-executor.js';

/** Launches one task, takes it to `end` (acknowledged) and returns what TASK_RUNNING reported. */
async function endedTask(
  t: TestContext,
  options: Parameters<typeof startCluster>[1],
  executor: ExecutorInfo,
  plan: TaskPlan,
  end: TaskStatus['state'],
) {
  const mesos = await startCluster(t, options);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  await launch(scheduler, offer, [taskInfo('task-1', offer, executor, plan)]);
  await expectUpdate(scheduler, 'task-1', 'TASK_STARTING');
  const report = runningReport(await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING'));
  await expectUpdate(scheduler, 'task-1', end);
  const shutdown = (): Promise<number> =>
    scheduler.call({ type: 'SHUTDOWN', shutdown: { executor_id: executor.executor_id, agent_id: offer.agent_id } });
  return { mesos, scheduler, report, shutdown };
}

function events(report: RunningReport): string[] {
  const file = path.join(report.cwd, 'events.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
}

/** The cpus that tasks and executors hold on the only agent: neither available nor offered. */
function heldCpus(mesos: MiniMesos): number {
  const cpus = (resources: Resource[]): number =>
    resources.reduce((sum, resource) => sum + (resource.name === 'cpus' ? (resource.scalar?.value ?? 0) : 0), 0);
  const { agents, offers } = mesos.state();
  const agent = agents[0];
  if (agent === undefined) throw new Error('no agent');
  return cpus(agent.resources) - cpus(agent.available) - cpus(offers.flatMap((offer) => offer.resources));
}

function taskStates(scheduler: TestScheduler): string[] {
  return scheduler.history.flatMap((event) => (event.update?.status.task_id.value === 'task-1' ? [event.update.status.state] : []));
}

test('the agent leaves an executor running after its only task failed and was acknowledged', async (t) => {
  const options = { executorShutdownGracePeriodMs: 300, killEscalationMs: 200 };
  const { mesos, scheduler, report } = await endedTask(
    t,
    options,
    executorInfo('lingering'),
    { failAfterMs: 50, linger: true },
    'TASK_FAILED',
  );
  // Well past grace period + kill escalation: an agent that reaped idle executors would have by now.
  await sleep(1500);
  assert.ok(processExists(report.pid), 'the executor process is alive');
  assert.deepEqual(events(report), [], 'no SHUTDOWN was sent');
  assert.deepEqual(
    mesos.state().executors.map((e) => [e.executorId, e.state]),
    [['lingering', 'RUNNING']],
  );
  assert.equal(
    scheduler.history.some((event) => event.type === 'FAILURE'),
    false,
  );
  // The task's 0.2 cpus are free again (offered, or about to be); the executor's 0.1 stay held.
  assert.equal(Math.round(heldCpus(mesos) * 1000) / 1000, 0.1);
});

test('SHUTDOWN of a lingering executor: the SHUTDOWN event, then after ExecutorInfo.shutdown_grace_period SIGTERM, then SIGKILL', async (t) => {
  // The agent default would take a minute: a kill within the bounds below used the ExecutorInfo's 300 ms.
  const options = { executorShutdownGracePeriodMs: 60_000, killEscalationMs: 200 };
  const base = executorInfo('lingering', { shutdown_grace_period: { nanoseconds: 300e6 } });
  // `exec`: node itself leads the process group, so the wait status is its own, not sh's.
  const executor = { ...base, command: { value: `exec ${base.command?.value ?? ''}` } };
  const { mesos, scheduler, report, shutdown } = await endedTask(t, options, executor, { failAfterMs: 50, linger: true }, 'TASK_FAILED');
  const group = mesos.state().executors[0]?.pid ?? 0;
  assert.equal(await shutdown(), 202);
  const failure = await scheduler.next('FAILURE', () => true, 10_000);
  assert.deepEqual([failure.failure?.executor_id?.value, failure.failure?.status], ['lingering', 9], 'killed by SIGKILL');
  assert.deepEqual(events(report), ['SHUTDOWN', 'SIGTERM'], 'SHUTDOWN first, SIGTERM after the grace period');
  await waitFor('the process group to die', () => !processExists(-group));
  assert.deepEqual(taskStates(scheduler), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED'], 'no update after the terminal one');
  assert.deepEqual(mesos.state().executors, []);
});

test('an executor that exits by itself on SHUTDOWN after its task finished is not signalled', async (t) => {
  const { mesos, scheduler, report, shutdown } = await endedTask(t, {}, executorInfo('polite'), { finishAfterMs: 50 }, 'TASK_FINISHED');
  assert.equal(await shutdown(), 202);
  const failure = await scheduler.next('FAILURE', () => true, 10_000);
  assert.equal(failure.failure?.status, 0, 'exit code 0: neither SIGTERM nor SIGKILL reached it');
  assert.deepEqual(events(report), ['SHUTDOWN']);
  assert.deepEqual(taskStates(scheduler), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  assert.deepEqual(mesos.state().executors, []);
});
