/**
 * Fixtures for the mini Mesos tests: a cluster with short intervals that a test's `after` hook
 * stops (and whose work dir it removes), and builders for FrameworkInfo, ExecutorInfo (running
 * test-executor.ts) and TaskInfo that fit an offer.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ExecutorInfo, FrameworkInfo, Offer, Resource, TaskInfo, TaskStatus } from '../../../../shared/mesos/index.js';
import { MiniMesos, type MiniMesosOptions } from '../../../../dev/mini-mesos/index.js';
import type { TestScheduler } from './scheduler-client.js';
import type { RunningReport, TaskPlan } from './test-executor.js';

const EXECUTOR_SCRIPT = fileURLToPath(new URL('./test-executor.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');

/** `t`: a test context, or anything that collects clean-ups as its `after` does (a bench's CleanupList). */
export async function startCluster(t: Pick<TestContext, 'after'>, options: Partial<MiniMesosOptions> = {}): Promise<MiniMesos> {
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mini-mesos-test-'));
  const mesos = await MiniMesos.start({
    agents: 1,
    workDir,
    allocationIntervalMs: 50,
    heartbeatIntervalMs: 300,
    statusUpdateRetryMs: 300,
    executorShutdownGracePeriodMs: 1000,
    killEscalationMs: 200,
    ...options,
  });
  t.after(async () => {
    await mesos.stop();
    await fs.rm(workDir, { recursive: true, force: true });
  });
  return mesos;
}

export function frameworkInfo(overrides: Partial<FrameworkInfo> = {}): FrameworkInfo {
  return { user: 'sluice', name: 'mini-mesos-test', ...overrides };
}

export function scalar(name: string, value: number): Resource {
  return { name, type: 'SCALAR', scalar: { value } };
}

/** An executor running test-executor.ts under node with tsx, through `/bin/sh -c` like Mesos. */
export function executorInfo(id: string, overrides: Partial<ExecutorInfo> = {}): ExecutorInfo {
  return {
    type: 'CUSTOM',
    executor_id: { value: id },
    name: id,
    command: { value: `'${process.execPath}' --import '${TSX_LOADER}' '${EXECUTOR_SCRIPT}'` },
    resources: [scalar('cpus', 0.1), scalar('mem', 32)],
    ...overrides,
  };
}

export function taskInfo(id: string, offer: Offer, executor: ExecutorInfo, plan: TaskPlan = {}, resources?: Resource[]): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    executor,
    resources: resources ?? [scalar('cpus', 0.2), scalar('mem', 64)],
    data: Buffer.from(JSON.stringify(plan)),
  };
}

export async function nextOffer(scheduler: TestScheduler, predicate: (offer: Offer) => boolean = () => true): Promise<Offer> {
  const event = await scheduler.next('OFFERS', (e) => (e.offers?.offers ?? []).some(predicate));
  return (event.offers?.offers ?? []).find(predicate) as Offer;
}

export async function launch(scheduler: TestScheduler, offer: Offer, tasks: TaskInfo[], refuseSeconds = 0): Promise<void> {
  const status = await scheduler.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
      filters: { refuse_seconds: refuseSeconds },
    },
  });
  if (status !== 202) throw new Error(`ACCEPT answered ${status}`);
}

/** Waits for a task's update in `state` and acknowledges it. */
export async function expectUpdate(scheduler: TestScheduler, taskId: string, state: TaskStatus['state']): Promise<TaskStatus> {
  const status = await scheduler.update(taskId, state);
  await scheduler.acknowledge(status);
  return status;
}

export function runningReport(status: TaskStatus): RunningReport {
  return JSON.parse(Buffer.from(status.data ?? Buffer.alloc(0)).toString('utf8')) as RunningReport;
}

/** True while a process (or, with a negative pid, a process group) exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
