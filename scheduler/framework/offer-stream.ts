/**
 * Whether Mesos sends us offers: SUPPRESS when nothing waits, REVIVE when something does. A
 * REVIVE clears every decline filter, so it is rate-limited: at most one per `minIntervalMs`, a
 * later one is deferred (and dropped if a SUPPRESS or a new subscription made it moot).
 */
import type { SchedulerCall } from '../../shared/mesos/index.js';

export class OfferStream {
  private isSuppressed = false;
  private lastReviveAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly role: string,
    private readonly minIntervalMs: number,
    /** Sends a call in the owner's event order. */
    private readonly send: (call: SchedulerCall) => Promise<void>,
    /** Runs deferred work in the owner's event order. */
    private readonly later: (work: () => Promise<void>) => void,
  ) {}

  get suppressed(): boolean {
    return this.isSuppressed;
  }

  /** A new subscription starts unsuppressed (SUBSCRIBE carries no suppressed roles). */
  subscribed(): void {
    this.isSuppressed = false;
  }

  async suppress(): Promise<void> {
    await this.send({ type: 'SUPPRESS', suppress: { roles: [this.role] } });
    this.isSuppressed = true;
  }

  async revive(): Promise<void> {
    if (!this.isSuppressed || this.timer !== undefined) return;
    const wait = this.lastReviveAt + this.minIntervalMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.later(() => this.revive());
      }, wait);
      return;
    }
    this.lastReviveAt = Date.now();
    await this.send({ type: 'REVIVE', revive: { roles: [this.role] } });
    this.isSuppressed = false;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
