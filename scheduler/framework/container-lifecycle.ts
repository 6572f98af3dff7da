/**
 * The lifecycle of one container of the job model as the framework sees it, as a transition
 * table (STYLE.md rule 9): a move the table does not list is a bug and throws a coded error
 * instead of leaving the container in a state nobody plans for. The states are the planner's
 * `ContainerState` kinds; the record adds what only the framework needs (the current task).
 */
import type { TaskStatus } from '../../shared/mesos/index.js';
import type { ContainerState, FailureCause, LastFailure } from '../planner/index.js';
import { SchedulerError } from './errors.js';

export type ContainerKind = ContainerState['kind'];

export type LifecycleEvent =
  /** An ACCEPT with the container's LAUNCH is about to be sent. */
  | 'launch'
  /** TASK_RUNNING: the executor restored the stores and runs. */
  | 'running'
  /** The task ended without our KILL (FAILED, LOST, ERROR, DROPPED, GONE, or a FINISHED/KILLED we did not ask for). */
  | 'failed'
  /** We sent KILL (rescale, new job model, job removal). */
  | 'kill'
  /** The task we killed is terminal: the container waits for a new launch. */
  | 'killed'
  /** Rescale or a new job model: start over without a failure history. */
  | 'reset';

const TRANSITIONS: Readonly<Record<ContainerKind, Partial<Record<LifecycleEvent, ContainerKind>>>> = {
  pending: { launch: 'launching', kill: 'pending', reset: 'pending' },
  launching: { running: 'running', failed: 'failed', kill: 'killing', reset: 'pending' },
  running: { running: 'running', failed: 'failed', kill: 'killing' },
  // running: a reconciliation finds the task alive after all (an ACCEPT whose answer was lost).
  failed: { launch: 'launching', kill: 'failed', reset: 'pending', failed: 'failed', running: 'running' },
  killing: { killed: 'pending', failed: 'pending', kill: 'killing', running: 'killing' },
};

/** The task of the container's current attempt, as launched. */
export interface TaskRef {
  readonly taskId: string;
  readonly agentId: string;
  readonly hostname: string;
}

export interface ContainerRecord {
  readonly state: ContainerState;
  /** Set from launch until the next launch: updates for any other task id are stale. */
  readonly task?: TaskRef;
  /** Consecutive failures, kept across launches so the backoff grows; a RUNNING resets it. */
  readonly failures: number;
  /** Where and why the last of those failures happened; kept and reset with `failures`. */
  readonly lastFailure?: LastFailure;
}

export const NEW_CONTAINER: ContainerRecord = { state: { kind: 'pending', since: 0 }, failures: 0 };

/** What a terminal TaskStatus says about why the task ended. */
export function failureCause(status: Pick<TaskStatus, 'state' | 'reason' | 'message'>): FailureCause {
  return {
    state: status.state,
    ...(status.reason === undefined ? {} : { reason: status.reason }),
    ...(status.message === undefined || status.message === '' ? {} : { message: status.message }),
  };
}

/** The failure of `record`'s task: on the same agent as the failure before, the streak there goes on. */
function nextFailure(record: ContainerRecord, cause: FailureCause | undefined): LastFailure | undefined {
  const task = record.task;
  if (task === undefined) return undefined;
  const before = record.lastFailure;
  return {
    agentId: task.agentId,
    hostname: task.hostname,
    onAgent: before !== undefined && before.agentId === task.agentId ? before.onAgent + 1 : 1,
    ...(cause === undefined ? {} : { cause }),
  };
}

/**
 * The record after `event`; `now` stamps pending and failed states, `task` comes with a launch,
 * `cause` with a failure (what the TaskStatus said: `failureCause(status)`).
 */
export function transition(
  record: ContainerRecord,
  event: LifecycleEvent,
  now: number,
  task?: TaskRef,
  cause?: FailureCause,
): ContainerRecord {
  const from = record.state.kind;
  const to = TRANSITIONS[from][event];
  if (to === undefined) {
    throw new SchedulerError('SCHEDULER_ILLEGAL_TRANSITION', `a container cannot go from ${from} on '${event}'`, {
      context: { from, event },
    });
  }
  const kept = {
    task: record.task,
    failures: record.failures,
    ...(record.lastFailure === undefined ? {} : { lastFailure: record.lastFailure }),
  };
  switch (to) {
    case 'pending':
      if (event === 'reset') return { state: { kind: 'pending', since: now }, task: record.task, failures: 0 };
      return { ...kept, state: record.state.kind === 'pending' ? record.state : { kind: 'pending', since: now } };
    case 'launching':
      if (task === undefined) throw new SchedulerError('SCHEDULER_ILLEGAL_TRANSITION', 'a launch needs its task');
      return { ...kept, state: { kind: 'launching', agentId: task.agentId }, task };
    case 'running':
      return { state: { kind: 'running', agentId: record.task?.agentId ?? '' }, task: record.task, failures: 0 };
    case 'failed': {
      // A failed container has no live task: a repeated report or a KILL changes nothing.
      if (from === 'failed') return { ...kept, state: record.state };
      const last = nextFailure(record, cause);
      return {
        state: { kind: 'failed', attempts: record.failures + 1, lastFailureAt: now, ...(last === undefined ? {} : { last }) },
        task: record.task,
        failures: record.failures + 1,
        ...(last === undefined ? {} : { lastFailure: last }),
      };
    }
    case 'killing':
      return { ...kept, state: { kind: 'killing' } };
  }
}

/** Whether the container's current task may still run: launched, running, or being killed. */
export function hasLiveTask(record: ContainerRecord): record is ContainerRecord & { readonly task: TaskRef } {
  return record.task !== undefined && record.state.kind !== 'pending' && record.state.kind !== 'failed';
}
