/**
 * A tiny hand-written v1 scheduler client for the mini Mesos tests: SUBSCRIBE with fetch, the
 * RecordIO event stream decoded into a queue, calls with the Mesos-Stream-Id header. Tests take
 * events with `next(type, predicate)`, which waits (bounded) for the first matching event not
 * taken yet; `history` keeps every event received.
 */
import {
  codecFor,
  readRecordIo,
  type FrameworkInfo,
  type SchedulerCall,
  type SchedulerEvent,
  type SchedulerEventType,
  type TaskStatus,
  type WireFormat,
} from '../../../../shared/mesos/index.js';

export const DEFAULT_WAIT_MS = 10_000;

export class TestScheduler {
  readonly history: SchedulerEvent[] = [];
  /** Resolves when the event stream ends (cleanly or not). */
  readonly ended: Promise<void>;
  private readonly queue: SchedulerEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private finished = false;

  private constructor(
    readonly masterUrl: string,
    readonly frameworkId: string,
    readonly streamId: string,
    readonly format: WireFormat,
    private readonly abort: AbortController,
    records: AsyncIterator<Buffer>,
    first: SchedulerEvent,
    private readonly headers: Record<string, string>,
  ) {
    this.push(first);
    this.ended = this.pump(records);
  }

  /** `headers` go with every request (e.g. `Authorization` for a master with framework authentication). */
  static async subscribe(
    masterUrl: string,
    info: FrameworkInfo,
    format: WireFormat = 'json',
    headers: Record<string, string> = {},
  ): Promise<TestScheduler> {
    const codec = codecFor(format);
    const abort = new AbortController();
    const call: SchedulerCall = { type: 'SUBSCRIBE', framework_id: info.id, subscribe: { framework_info: info } };
    const response = await fetch(`${masterUrl}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': codec.contentType, Accept: codec.contentType, ...headers },
      body: codec.schedulerCall.encode(call),
      signal: abort.signal,
    });
    if (response.status !== 200 || response.body === null) {
      throw new Error(`SUBSCRIBE answered ${response.status}: ${await response.text()}`);
    }
    const streamId = response.headers.get('Mesos-Stream-Id') ?? '';
    const reader = readRecordIo(response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    const first = await reader.next();
    if (first.done === true) throw new Error('the SUBSCRIBE stream ended before its first event');
    const event = codec.schedulerEvent.decode(first.value);
    const frameworkId = event.subscribed?.framework_id.value ?? info.id?.value ?? '';
    return new TestScheduler(masterUrl, frameworkId, streamId, format, abort, reader, event, headers);
  }

  /** Sends a call (framework_id filled in) and returns the HTTP status. */
  async call(call: SchedulerCall): Promise<number> {
    const codec = codecFor(this.format);
    const response = await fetch(`${this.masterUrl}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': codec.contentType, 'Mesos-Stream-Id': this.streamId, ...this.headers },
      body: codec.schedulerCall.encode({ framework_id: { value: this.frameworkId }, ...call }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** Acknowledges an update that carries a uuid (a no-op for master-generated ones). */
  async acknowledge(status: TaskStatus): Promise<void> {
    if (status.uuid === undefined || status.agent_id === undefined) return;
    const code = await this.call({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
    });
    if (code !== 202) throw new Error(`ACKNOWLEDGE answered ${code}`);
  }

  /** Takes the first queued event of `type` matching `predicate`, waiting up to `timeoutMs` for it. */
  async next(
    type: SchedulerEventType,
    predicate: (event: SchedulerEvent) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<SchedulerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.queue.findIndex((event) => event.type === type && predicate(event));
      if (index >= 0) return this.queue.splice(index, 1)[0] as SchedulerEvent;
      const left = deadline - Date.now();
      if (left <= 0 || this.finished) {
        const seen = this.history.map((event) => event.type).join(', ');
        throw new Error(`no ${type} event ${this.finished ? 'before the stream ended' : `within ${timeoutMs} ms`}; received: ${seen}`);
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  /** The next UPDATE for a task in a given state. */
  async update(taskId: string, state: TaskStatus['state'], timeoutMs = DEFAULT_WAIT_MS): Promise<TaskStatus> {
    const event = await this.next('UPDATE', (e) => e.update?.status.task_id.value === taskId && e.update.status.state === state, timeoutMs);
    return (event.update as { status: TaskStatus }).status;
  }

  /** Drops what is queued (e.g. offers a test does not care about). */
  drain(type: SchedulerEventType): SchedulerEvent[] {
    const taken = this.queue.filter((event) => event.type === type);
    for (const event of taken) this.queue.splice(this.queue.indexOf(event), 1);
    return taken;
  }

  close(): void {
    this.abort.abort();
  }

  private push(event: SchedulerEvent): void {
    this.history.push(event);
    this.queue.push(event);
    for (const wake of [...this.waiters]) wake();
  }

  private async pump(records: AsyncIterator<Buffer>): Promise<void> {
    const codec = codecFor(this.format);
    try {
      for (let next = await records.next(); next.done !== true; next = await records.next()) {
        this.push(codec.schedulerEvent.decode(next.value));
      }
    } catch {
      // An aborted or broken stream ends the same way for the tests: `ended` resolves.
    } finally {
      this.finished = true;
      for (const wake of [...this.waiters]) wake();
    }
  }
}
