/**
 * Task reconciliation after every (re)subscribe (mesos-v1.md "Production habits"): an explicit
 * RECONCILE for each task we believe is alive, repeated with a backoff (4 s doubling to 30 s)
 * until every one of them got a fresh update, then a periodic implicit RECONCILE (no tasks: the
 * master reports every task it knows of ours, which also reveals tasks we forgot).
 */
import type { SchedulerCallReconcileTask } from '../../shared/mesos/index.js';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';

export interface ReconcilerOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly implicitEveryMs?: number;
}

export class Reconciler {
  private readonly unconfirmed = new Map<string, string>();
  private explicitTimer: NodeJS.Timeout | undefined;
  private implicitTimer: NodeJS.Timeout | undefined;
  private delayMs = 0;

  constructor(
    private readonly send: (tasks: SchedulerCallReconcileTask[]) => Promise<void>,
    private readonly options: ReconcilerOptions,
    private readonly log: Logger,
  ) {}

  /** Starts over for a new subscription: `tasks` (task id → agent id) need a fresh state. */
  start(tasks: ReadonlyMap<string, string>): void {
    this.stop();
    for (const [taskId, agentId] of tasks) this.unconfirmed.set(taskId, agentId);
    this.delayMs = this.options.initialMs ?? 4_000;
    if (this.unconfirmed.size > 0) this.log.info('reconciling tasks', { tasks: [...this.unconfirmed.keys()] });
    this.explicit();
    const every = this.options.implicitEveryMs ?? 15 * 60_000;
    this.implicitTimer = setInterval(() => void this.sendSafely([]), every);
    this.implicitTimer.unref();
  }

  /** An update for `taskId` arrived: its state is fresh. */
  seen(taskId: string): void {
    if (this.unconfirmed.delete(taskId) && this.unconfirmed.size === 0) this.log.info('every task reconciled');
  }

  stop(): void {
    clearTimeout(this.explicitTimer);
    clearInterval(this.implicitTimer);
    this.unconfirmed.clear();
  }

  private explicit(): void {
    if (this.unconfirmed.size === 0) return;
    void this.sendSafely([...this.unconfirmed].map(([taskId, agentId]) => ({ task_id: { value: taskId }, agent_id: { value: agentId } })));
    this.explicitTimer = setTimeout(() => this.explicit(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, this.options.maxMs ?? 30_000);
  }

  private async sendSafely(tasks: SchedulerCallReconcileTask[]): Promise<void> {
    try {
      await this.send(tasks);
    } catch (error) {
      // The next round retries; a broken subscription restarts reconciliation anyway.
      this.log.debug('RECONCILE failed', { error: describeError(error) });
    }
  }
}
