/**
 * The job error of a container that failed and waits for its relaunch: what an operator needs to
 * see while it keeps failing (Marathon shows an app's last task failure and its launch delay the
 * same way): how often, where and why the last attempt ended, when the next one is due, and what
 * the planner does about it (avoiding the agent, giving up the volume).
 */
import { seconds } from './outcome.js';
import type { JobError } from './plan.js';
import type { FailureCause, LastFailure } from './snapshot.js';

export interface FailingContainer {
  readonly job: string;
  readonly container: string;
  readonly failures: number;
  readonly lastFailureAt: number;
  readonly nextAttemptAt: number;
  readonly last: LastFailure | undefined;
  /** Set when the container now prefers any other agent. */
  readonly avoids: LastFailure | undefined;
  /** The persistence id of the volume it gave up. */
  readonly gaveUpVolume: string | undefined;
}

/** `TASK_FAILED (REASON_EXECUTOR_TERMINATED): Executor exited with status 3` — as much as Mesos said. */
export function describeCause(cause: FailureCause): string {
  const reason = cause.reason === undefined || cause.reason === '' ? '' : ` (${cause.reason})`;
  const message = cause.message === undefined || cause.message === '' ? '' : `: ${cause.message}`;
  return `${cause.state}${reason}${message}`;
}

function describeLast(last: LastFailure | undefined): string {
  if (last === undefined) return '';
  const cause = last.cause === undefined ? '' : `: ${describeCause(last.cause)}`;
  return `, the last on agent ${last.agentId} ('${last.hostname}')${cause}`;
}

export function failingError(c: FailingContainer): JobError {
  const times = `${c.failures} time${c.failures === 1 ? '' : 's'} in a row`;
  const next = `next attempt due at ${new Date(c.nextAttemptAt).toISOString()} (backoff ${seconds(c.nextAttemptAt - c.lastFailureAt)})`;
  const avoid = c.avoids;
  const action =
    c.gaveUpVolume !== undefined && avoid !== undefined
      ? `; it gave up its volume ${c.gaveUpVolume} on agent ${avoid.agentId} after ${avoid.onAgent} failures there and reserves a new one on another agent, restoring its stores from the changelog`
      : avoid !== undefined
        ? `; after ${avoid.onAgent} failures in a row on agent ${avoid.agentId} it prefers any other agent`
        : '';
  return {
    code: 'CONTAINER_FAILING',
    container: c.container,
    message: `container ${c.container} of job '${c.job}' failed ${times}${describeLast(c.last)}; it is relaunched, ${next}${action}`,
    failures: c.failures,
    nextAttemptAt: c.nextAttemptAt,
    ...(c.last === undefined ? {} : { lastFailure: c.last }),
    ...(avoid === undefined ? {} : { avoidsAgent: avoid.agentId }),
    ...(c.gaveUpVolume === undefined ? {} : { gaveUpVolume: c.gaveUpVolume }),
  };
}
