/**
 * Runs async work one piece at a time, in the order it was queued, so event handlers never
 * interleave (a SUBSCRIBED is fully handled, framework id stored, before the first OFFERS). A
 * failing piece does not stop the queue; once closed, queued work is skipped.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Queues `work`; its failure goes to onError. */
  push(work: () => Promise<void>): void {
    this.run(work).catch(this.onError);
  }

  /** Queues `work` and settles with it. */
  run(work: () => Promise<void>): Promise<void> {
    const next = this.tail.then(() => (this.closed ? undefined : work()));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Skips whatever is still queued; resolves when the piece running now has ended. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }
}
