/**
 * The agent's task status update manager (src/status_update_manager/): one stream per task.
 * Every update is recorded once (a duplicate uuid is ignored); only the head of a stream is
 * forwarded to the master, and re-forwarded with doubling intervals (10 s up to 10 min in
 * Mesos; configurable here) until the scheduler's acknowledgement for exactly that uuid comes
 * back. Then the next update goes out at once. A stream whose terminal update is acknowledged is
 * finished; later updates on it are refused, as Mesos's TaskStatusUpdateStream does.
 */
import { isTerminalTaskState, type TaskStatus } from '../../../shared/mesos/index.js';
import { uuidKey } from '../ids.js';

export interface StatusUpdateManagerOptions {
  initialIntervalMs: number;
  maxIntervalMs: number;
  /** Sends the head update towards the scheduler (it may be lost: the timer retries). */
  forward(frameworkId: string, status: TaskStatus): void;
  /** A task's stream is finished: its terminal update was acknowledged. */
  finished(frameworkId: string, taskId: string): void;
}

interface Stream {
  frameworkId: string;
  taskId: string;
  queue: TaskStatus[];
  seen: Set<string>;
  timer: NodeJS.Timeout | undefined;
  intervalMs: number;
}

export class StatusUpdateManager {
  private readonly streams = new Map<string, Stream>();
  /** Tasks whose terminal update was acknowledged: their streams are closed for good. */
  private readonly finishedTasks = new Set<string>();
  private paused = false;

  constructor(private readonly options: StatusUpdateManagerOptions) {}

  /** Records an update; false if it is a duplicate or its stream is finished. */
  update(frameworkId: string, status: TaskStatus): boolean {
    if (this.finishedTasks.has(streamKey(frameworkId, status.task_id.value))) return false;
    const stream = this.stream(frameworkId, status.task_id.value);
    const key = uuidKey(status.uuid ?? new Uint8Array());
    if (stream.seen.has(key)) return false;
    stream.seen.add(key);
    stream.queue.push(status);
    if (stream.queue.length === 1) this.forwardHead(stream, this.options.initialIntervalMs);
    return true;
  }

  /** The scheduler acknowledged `uuid`; true if it was the head of the stream. */
  acknowledge(frameworkId: string, taskId: string, uuid: Uint8Array): boolean {
    const stream = this.streams.get(streamKey(frameworkId, taskId));
    const head = stream?.queue[0];
    if (stream === undefined || head?.uuid === undefined || uuidKey(head.uuid) !== uuidKey(uuid)) return false;
    clearTimeout(stream.timer);
    stream.timer = undefined;
    stream.queue.shift();
    if (isTerminalTaskState(head.state)) {
      this.streams.delete(streamKey(frameworkId, taskId));
      this.finishedTasks.add(streamKey(frameworkId, taskId));
      this.options.finished(frameworkId, taskId);
    } else if (stream.queue.length > 0) {
      this.forwardHead(stream, this.options.initialIntervalMs);
    }
    return true;
  }

  /** The unacknowledged updates of a task, oldest first. */
  pending(frameworkId: string, taskId: string): readonly TaskStatus[] {
    return this.streams.get(streamKey(frameworkId, taskId))?.queue ?? [];
  }

  /** No master to talk to (partition, master failover): keep updates, stop sending. */
  pause(): void {
    this.paused = true;
  }

  /** (Re-)registered with a master: send every head again now (StatusUpdateManager::resume). */
  resume(): void {
    this.paused = false;
    for (const stream of this.streams.values()) {
      if (stream.queue.length > 0) this.forwardHead(stream, this.options.initialIntervalMs);
    }
  }

  /** Forgets a removed framework's streams (Mesos cleans them up on framework shutdown). */
  cleanup(frameworkId: string): void {
    for (const [key, stream] of this.streams) {
      if (stream.frameworkId !== frameworkId) continue;
      clearTimeout(stream.timer);
      this.streams.delete(key);
    }
    for (const key of this.finishedTasks) {
      if (key.startsWith(`${frameworkId}\u0000`)) this.finishedTasks.delete(key);
    }
  }

  stop(): void {
    for (const stream of this.streams.values()) clearTimeout(stream.timer);
    this.streams.clear();
  }

  private stream(frameworkId: string, taskId: string): Stream {
    const key = streamKey(frameworkId, taskId);
    let stream = this.streams.get(key);
    if (stream === undefined) {
      stream = { frameworkId, taskId, queue: [], seen: new Set(), timer: undefined, intervalMs: 0 };
      this.streams.set(key, stream);
    }
    return stream;
  }

  private forwardHead(stream: Stream, intervalMs: number): void {
    const head = stream.queue[0];
    if (head === undefined) return;
    clearTimeout(stream.timer);
    if (!this.paused) this.options.forward(stream.frameworkId, head);
    stream.intervalMs = intervalMs;
    stream.timer = setTimeout(() => this.forwardHead(stream, Math.min(stream.intervalMs * 2, this.options.maxIntervalMs)), intervalMs);
    stream.timer.unref();
  }
}

function streamKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}
