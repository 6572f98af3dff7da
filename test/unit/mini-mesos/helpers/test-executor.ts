/**
 * A tiny v1 executor for the mini Mesos tests, run as `node --import tsx test-executor.ts`. It
 * subscribes with the MESOS_* environment, answers LAUNCH (and each task of a LAUNCH_GROUP) with
 * TASK_STARTING then TASK_RUNNING,
 * KILL with TASK_KILLED, SHUTDOWN with TASK_KILLED for every task and an exit, echoes MESSAGE
 * back, and follows the plan a task carries in its `data` (JSON, see TaskPlan). TASK_RUNNING's
 * data reports what the test wants to check: the MESOS_* variables, the pid, volume contents.
 * Every SHUTDOWN (and, when lingering, every SIGTERM) is appended to `events.log` in the sandbox.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { jsonCodec, readRecordIo, type ExecutorCall, type TaskInfo, type TaskState } from '../../../../shared/mesos/index.js';

export interface TaskPlan {
  /** Append `line` to `file` (relative to the sandbox, e.g. inside a volume) and report the file. */
  append?: { file: string; line: string };
  /** Fork a long `sleep` and report its pid (to check that the whole process group dies). */
  spawnGrandchild?: boolean;
  /** Exit with status 3 this long after TASK_RUNNING (a crash). */
  crashAfterMs?: number;
  /** Send TASK_FINISHED this long after TASK_RUNNING. */
  finishAfterMs?: number;
  /** Send TASK_FAILED this long after TASK_RUNNING. */
  failAfterMs?: number;
  /**
   * Never exit by itself: SHUTDOWN and SIGTERM are noted in `events.log` and otherwise ignored,
   * and a closed event stream does not end it either; only SIGKILL does. An executor that
   * outlives its tasks (the field failure of issue #16: TASK_FAILED, yet still holding its volume).
   */
  linger?: boolean;
}

export interface RunningReport {
  pid: number;
  cwd: string;
  env: Record<string, string>;
  file?: string;
  grandchildPid?: number;
}

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const endpoint = `http://${env('MESOS_AGENT_ENDPOINT')}/api/v1/executor`;
// An agent with an executor secret key hands each executor its token; like any HTTP executor, send it.
const token = process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN;
const ids = { executor_id: { value: env('MESOS_EXECUTOR_ID') }, framework_id: { value: env('MESOS_FRAMEWORK_ID') } };
const live = new Set<string>();
const EVENTS_LOG = path.join(process.cwd(), 'events.log');
let lingering = false;

function note(event: string): void {
  fs.appendFileSync(EVENTS_LOG, `${event}\n`);
}

function linger(): void {
  if (lingering) return;
  lingering = true;
  process.on('SIGTERM', () => note('SIGTERM'));
  // Something to keep the event loop alive once the agent closes the stream.
  setInterval(() => undefined, 60_000);
}

async function post(call: Omit<ExecutorCall, 'executor_id' | 'framework_id'>): Promise<Response> {
  return fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
    },
    body: jsonCodec.executorCall.encode({ ...ids, ...call }),
  });
}

async function update(task: TaskInfo, state: TaskState, data?: unknown): Promise<void> {
  if (state === 'TASK_FINISHED' || state === 'TASK_KILLED' || state === 'TASK_FAILED') live.delete(task.task_id.value);
  const status = {
    task_id: task.task_id,
    state,
    source: 'SOURCE_EXECUTOR' as const,
    uuid: Buffer.from(randomUUID().replaceAll('-', ''), 'hex'),
    data: data === undefined ? undefined : Buffer.from(JSON.stringify(data)),
  };
  const response = await post({ type: 'UPDATE', update: { status } });
  if (response.status !== 202) throw new Error(`UPDATE answered ${response.status}: ${await response.text()}`);
}

async function launch(task: TaskInfo): Promise<void> {
  live.add(task.task_id.value);
  const plan = JSON.parse(Buffer.from(task.data ?? Buffer.from('{}')).toString('utf8')) as TaskPlan;
  if (plan.linger === true) linger();
  await update(task, 'TASK_STARTING');
  const report: RunningReport = {
    pid: process.pid,
    cwd: process.cwd(),
    env: Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('MESOS_')) as Array<[string, string]>),
  };
  if (plan.append !== undefined) {
    const file = path.join(process.cwd(), plan.append.file);
    fs.appendFileSync(file, `${plan.append.line}\n`);
    report.file = fs.readFileSync(file, 'utf8');
  }
  if (plan.spawnGrandchild === true) report.grandchildPid = spawn('sleep', ['300'], { stdio: 'ignore' }).pid;
  await update(task, 'TASK_RUNNING', report);
  if (plan.crashAfterMs !== undefined) setTimeout(() => process.exit(3), plan.crashAfterMs);
  if (plan.finishAfterMs !== undefined) setTimeout(() => void update(task, 'TASK_FINISHED'), plan.finishAfterMs);
  if (plan.failAfterMs !== undefined) setTimeout(() => void update(task, 'TASK_FAILED'), plan.failAfterMs);
}

const tasks = new Map<string, TaskInfo>();
const response = await post({ type: 'SUBSCRIBE', subscribe: {} });
if (response.status !== 200 || response.body === null) throw new Error(`SUBSCRIBE answered ${response.status}: ${await response.text()}`);
for await (const record of readRecordIo(response.body as AsyncIterable<Uint8Array>)) {
  const event = jsonCodec.executorEvent.decode(record);
  if (event.type === 'LAUNCH' && event.launch !== undefined) {
    tasks.set(event.launch.task.task_id.value, event.launch.task);
    void launch(event.launch.task);
  } else if (event.type === 'LAUNCH_GROUP' && event.launch_group !== undefined) {
    for (const task of event.launch_group.task_group.tasks ?? []) {
      tasks.set(task.task_id.value, task);
      void launch(task);
    }
  } else if (event.type === 'KILL' && event.kill !== undefined) {
    const task = tasks.get(event.kill.task_id.value);
    if (task !== undefined) void update(task, 'TASK_KILLED');
  } else if (event.type === 'MESSAGE' && event.message !== undefined) {
    void post({ type: 'MESSAGE', message: { data: Buffer.concat([Buffer.from('echo:'), event.message.data]) } });
  } else if (event.type === 'SHUTDOWN') {
    note('SHUTDOWN');
    if (lingering) continue;
    for (const taskId of [...live]) {
      const task = tasks.get(taskId);
      if (task !== undefined) await update(task, 'TASK_KILLED');
    }
    process.exit(0);
  }
}
// The agent closed the stream (it is going away): a real executor would reconnect; this one stops,
// unless it lingers.
if (!lingering) process.exit(0);
