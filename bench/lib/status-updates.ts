/**
 * The framework's work per task status update (framework.ts `onUpdate` and `move`, without the
 * Mesos and ZooKeeper calls): find the container whose live attempt the task is, turn the state
 * into a lifecycle event, record the transition, update the state gauges, check the container is
 * still in the model. Every update here changes a state, so each one pays for the gauges.
 */
import { transition, type ContainerRecord } from '../../scheduler/framework/container-lifecycle.js';
import { ContainerTable } from '../../scheduler/framework/container-table.js';
import { countStates } from '../../scheduler/framework/framework-status.js';
import { eventForStatus } from '../../scheduler/framework/task-status.js';
import type { TaskState } from '../../shared/mesos/index.js';

const taskOf = (container: number, attempt: number) => ({ taskId: `bench.${container}.${attempt}`, agentId: 'S1', hostname: 'host-1' });

/** Microseconds per status update with `containers` containers, over `updates` updates. */
export function measureStatusUpdates(containers: number, updates: number): number {
  const table = new ContainerTable();
  const modelIds = new Set<string>();
  for (let c = 0; c < containers; c++) {
    const record: ContainerRecord = { state: { kind: 'running', agentId: 'S1' }, task: taskOf(c, 0), failures: 0 };
    table.set(String(c), record);
    modelIds.add(String(c));
  }
  const update = (taskId: string, state: TaskState, now: number): void => {
    const entry = table.liveAttempt(taskId);
    const event = eventForStatus(state, entry?.[1].state.kind === 'killing');
    if (entry === undefined || event === undefined) throw new Error(`no live attempt ${taskId}`);
    const next = transition(entry[1], event, now);
    table.set(entry[0], next);
    countStates('bench', table);
    if (!modelIds.has(entry[0])) table.delete(entry[0]);
  };
  const attempts = new Array<number>(containers).fill(0);
  let spent = 0;
  for (let i = 0; i < updates / 2; i++) {
    const c = (i * 7919) % containers; // spread over the table, not only its first entries
    const id = String(c);
    const attempt = attempts[c] ?? 0;
    attempts[c] = attempt + 1;
    let start = performance.now();
    update(taskOf(c, attempt).taskId, 'TASK_FAILED', i);
    spent += performance.now() - start;
    // The relaunch is the planner's and apply-plan's work, not the update's: not timed.
    const failed = table.get(id);
    if (failed === undefined) throw new Error(`container ${id} is gone`);
    table.set(id, transition(failed, 'launch', i, taskOf(c, attempt + 1)));
    start = performance.now();
    update(taskOf(c, attempt + 1).taskId, 'TASK_RUNNING', i);
    spent += performance.now() - start;
  }
  return (spent * 1000) / updates;
}
