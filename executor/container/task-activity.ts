import type { CommitStepTimer } from '../checkpoint/checkpoint.js';

/** What a task is doing and for how long: its current step, and the steps of its commit so far. */
export interface TaskActivityReport {
  readonly step: string;
  readonly ms: number;
  /** Milliseconds per step of the commit under way (or the last one), in the order they ran. */
  readonly commitSteps: Readonly<Record<string, number>>;
}

/**
 * What a task's loop is doing (processing, idle, a commit step…) and since when, and how long
 * each step of its current commit took. A stop that does not end can then name the step it waits
 * in, and each commit's step durations go to the debug log. One field write per step, never per
 * message.
 */
export class TaskActivity {
  private current = { step: 'starting', since: performance.now() };
  private steps: Record<string, number> = {};

  /** The loop moves to `step` (a state it waits in: processing, idle…). */
  enter(step: string): void {
    this.current = { step, since: performance.now() };
  }

  /** A commit begins: its steps are timed from here. */
  beginCommit(): void {
    this.steps = {};
  }

  /** Runs `work` as `step` and adds its duration to the commit's; afterwards the step around it is current again. */
  readonly time: CommitStepTimer = async (step, work) => {
    const outer = this.current;
    const since = performance.now();
    this.current = { step, since };
    try {
      return await work();
    } finally {
      this.steps[step] = (this.steps[step] ?? 0) + Math.round(performance.now() - since);
      if (this.current.step === step) this.current = outer;
    }
  };

  report(): TaskActivityReport {
    return { step: this.current.step, ms: Math.round(performance.now() - this.current.since), commitSteps: { ...this.steps } };
  }
}
