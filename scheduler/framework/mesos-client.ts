/**
 * The Mesos v1 scheduler HTTP client: one SUBSCRIBE stream at a time (JSON, RecordIO), calls
 * with the framework id and the stream's `Mesos-Stream-Id`. It keeps the subscription up by
 * itself: a broken stream, an HTTP error or ~5 missed heartbeats lead to a re-subscribe after an
 * exponential backoff capped at 15 s (mesos-v1.md "Partitions"), with the FrameworkInfo the owner
 * gives at that moment (so a re-subscribe carries the framework id). A 307 from a non-leading
 * master names the leader as `//host:port/api/v1/scheduler`; the client follows it. With a
 * credential every request carries HTTP basic auth (mesos-auth.ts); a master that refuses it
 * (401, or an ERROR "Not authorized" to a SUBSCRIBE) is reported as `refused` with what to fix,
 * and asked again with the usual backoff. The owner reacts to events; the client knows nothing
 * about tasks.
 */
import { EventEmitter } from 'node:events';
import {
  jsonCodec,
  MesosError,
  mesosErrorCodeForStatus,
  type FrameworkInfo,
  type SchedulerCall,
  type SchedulerEvent,
  type SchedulerEventSubscribed,
} from '../../shared/mesos/index.js';
import { describeError } from '../../shared/errors.js';
import { backoffDelayMs, type Backoff } from '../../shared/backoff.js';
import { createLogger, type Logger, type LogFields } from '../../shared/log.js';
import { SchedulerError } from './errors.js';
import { basicAuthorization, notAuthorizedError, unauthenticatedError, type MesosCredential } from './mesos-auth.js';
import { parseMasterAddress, resolveMaster, type MasterAddress } from './master-address.js';
import { recordsUntilAborted } from './record-stream.js';

const API_PATH = '/api/v1/scheduler';
/** More than a few hops means masters pointing at each other: back off instead. */
const MAX_REDIRECTS = 5;
/** Mesos's heartbeat interval, assumed until SUBSCRIBED says otherwise. */
const DEFAULT_HEARTBEAT_MS = 15_000;

export interface MesosClientOptions {
  /** `http://host:port` or `zk://host:port[,…]/mesos`. */
  readonly master: string;
  /** Called for every SUBSCRIBE: a re-subscribe must carry the framework id known by then. */
  readonly frameworkInfo: () => FrameworkInfo;
  /** HTTP basic auth for framework authentication (`Authorization` on every request). */
  readonly credential?: MesosCredential;
  /** Re-subscribe delay: initialMs doubling to maxMs (default 500 ms → 15 s). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Heartbeats missed before the stream counts as dead (default 5). */
  readonly missedHeartbeats?: number;
  /** Timeout of each call (default 75 s, like Mesos's own). */
  readonly callTimeoutMs?: number;
  readonly log?: LogFields;
}

export interface MesosClientEvents {
  /** A stream is up: calls may be made from now on. */
  subscribed: [subscribed: SchedulerEventSubscribed];
  /** Every event of the stream but SUBSCRIBED and HEARTBEAT, in order. */
  event: [event: SchedulerEvent];
  /** The stream ended; the client re-subscribes unless stopped. */
  disconnected: [reason: string];
  /** The master refused the framework's identity (SCHEDULER_MESOS_REFUSED); the client asks again with backoff. */
  refused: [error: SchedulerError];
}

interface Subscription {
  readonly url: string;
  readonly streamId: string;
  readonly frameworkId: string;
}

export class MesosClient extends EventEmitter<MesosClientEvents> {
  private readonly address: MasterAddress;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private running = false;
  /** stop() was called (and no start() since): nothing may resume subscribing. */
  private stopped = false;
  private abort: AbortController | undefined;
  private current: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: MesosClientOptions) {
    super();
    this.address = parseMasterAddress(options.master);
    this.log = createLogger({ component: 'mesos-client', ...options.log });
    this.backoff = { initialMs: options.backoff?.initialMs ?? 500, maxMs: options.backoff?.maxMs ?? 15_000 };
  }

  /** Subscribes, and keeps re-subscribing until stop(). */
  start(): this {
    if (this.running) return this;
    this.stopped = false;
    this.running = true;
    this.loop ??= this.run();
    return this;
  }

  /** Closes the stream at once (Mesos then starts the failover timer) and stops re-subscribing. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.abort?.abort();
    this.wakeUp?.();
    await this.loop;
  }

  get subscribed(): boolean {
    return this.current !== undefined;
  }

  get frameworkId(): string | undefined {
    return this.current?.frameworkId;
  }

  /** Sends a call on the current subscription; throws MesosError on a non-2xx answer. */
  async call(call: SchedulerCall): Promise<void> {
    const subscription = this.current;
    if (subscription === undefined)
      throw new SchedulerError('SCHEDULER_NOT_SUBSCRIBED', `cannot send ${call.type}: not subscribed to Mesos`);
    if (call.type !== 'TEARDOWN') return this.send(call, subscription);
    // TEARDOWN ends the framework for good and the master closes its stream, maybe before it
    // answers: stop re-subscribing first, and go back to it only if the TEARDOWN failed.
    this.running = false;
    try {
      await this.send(call, subscription);
    } catch (error) {
      // Not after stop(): a stopped (maybe deposed) scheduler must not subscribe again.
      if (!this.stopped) {
        this.running = true;
        this.loop ??= this.run();
      }
      throw error;
    }
  }

  private async send(call: SchedulerCall, subscription: Subscription): Promise<void> {
    const response = await fetch(`${subscription.url}${API_PATH}`, {
      method: 'POST',
      headers: { ...this.headers(), 'Mesos-Stream-Id': subscription.streamId },
      body: jsonCodec.schedulerCall.encode({ ...call, framework_id: { value: subscription.frameworkId } }),
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.callTimeoutMs ?? 75_000),
    });
    const text = await response.text();
    if (response.status === 200 || response.status === 202) return;
    if (response.status === 401)
      throw unauthenticatedError(subscription.url, this.options.credential, response.headers.get('WWW-Authenticate'));
    // A 403 or 307 means our stream is stale (failed over, master changed): re-subscribe now.
    if (response.status === 403 || response.status === 307) this.abort?.abort();
    throw new MesosError(mesosErrorCodeForStatus(response.status), `${call.type} answered ${response.status}: ${text}`, {
      context: { call: call.type, status: response.status },
    });
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { 'Content-Type': jsonCodec.contentType, Accept: jsonCodec.contentType };
    const credential = this.options.credential;
    if (credential !== undefined) headers.Authorization = basicAuthorization(credential);
    return headers;
  }

  /** Until stop() (or a TEARDOWN); `loop` is set while it runs. */
  private async run(): Promise<void> {
    try {
      await this.subscribeWhileRunning();
    } finally {
      this.loop = undefined;
    }
  }

  private async subscribeWhileRunning(): Promise<void> {
    let failures = 0;
    let lastProblem: string | undefined;
    while (this.running) {
      let problem: string;
      try {
        const wasUp = await this.subscribeOnce();
        if (wasUp) failures = 0;
        problem = 'the Mesos event stream ended';
      } catch (error) {
        problem = describeError(error);
        if (error instanceof SchedulerError && error.code === 'SCHEDULER_MESOS_REFUSED' && this.running) this.emit('refused', error);
      }
      if (!this.running) break;
      failures += 1;
      // One line per change of problem, not per retry.
      if (problem !== lastProblem) this.log.warn('Mesos subscription down; re-subscribing with backoff', { reason: problem });
      lastProblem = problem;
      await this.sleep(backoffDelayMs(failures, this.backoff));
    }
  }

  /** One subscription, from SUBSCRIBE to the end of its stream; true if SUBSCRIBED arrived. */
  private async subscribeOnce(): Promise<boolean> {
    const abort = new AbortController();
    this.abort = abort;
    const info = this.options.frameworkInfo();
    const body = jsonCodec.schedulerCall.encode({ type: 'SUBSCRIBE', framework_id: info.id, subscribe: { framework_info: info } });
    let url = await resolveMaster(this.address);
    let response: Response | undefined;
    // A master that accepts the connection but never answers must not hold us forever.
    const answerTimer = setTimeout(() => abort.abort(), this.options.callTimeoutMs ?? 75_000);
    try {
      for (let hop = 0; response === undefined; hop++) {
        const answer = await fetch(`${url}${API_PATH}`, {
          method: 'POST',
          headers: this.headers(),
          body,
          redirect: 'manual',
          signal: abort.signal,
        });
        if (answer.status === 307 && hop < MAX_REDIRECTS) {
          await answer.body?.cancel();
          url = leaderUrlOf(answer.headers.get('Location'), url);
          continue;
        }
        if (answer.status === 401) {
          await answer.body?.cancel();
          throw unauthenticatedError(url, this.options.credential, answer.headers.get('WWW-Authenticate'));
        }
        if (answer.status !== 200 || answer.body === null) {
          const text = await answer.text();
          throw new MesosError(mesosErrorCodeForStatus(answer.status), `SUBSCRIBE to ${url} answered ${answer.status}: ${text}`);
        }
        response = answer;
      }
    } finally {
      clearTimeout(answerTimer);
    }
    const streamId = response.headers.get('Mesos-Stream-Id') ?? '';
    let up = false;
    const watchdog = new HeartbeatWatchdog(this.options.missedHeartbeats ?? 5, () => abort.abort());
    watchdog.arm(DEFAULT_HEARTBEAT_MS); // until SUBSCRIBED names the real interval
    try {
      for await (const record of recordsUntilAborted(response.body as ReadableStream<Uint8Array>, abort.signal)) {
        watchdog.beat();
        const event = jsonCodec.schedulerEvent.decode(record);
        const refusal =
          up || event.type !== 'ERROR' ? undefined : notAuthorizedError(url, info.principal, rolesOf(info), event.error?.message ?? '');
        if (refusal !== undefined) throw refusal;
        if (event.type === 'SUBSCRIBED' && event.subscribed !== undefined) {
          up = true;
          this.current = { url, streamId, frameworkId: event.subscribed.framework_id.value };
          watchdog.arm((event.subscribed.heartbeat_interval_seconds ?? DEFAULT_HEARTBEAT_MS / 1000) * 1000);
          this.log.info('subscribed to Mesos', { master: url, frameworkId: this.current.frameworkId });
          this.emit('subscribed', event.subscribed);
        } else if (event.type !== 'HEARTBEAT') {
          this.emit('event', event);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
      if (watchdog.fired) throw new SchedulerError('SCHEDULER_STREAM_FAILED', `no heartbeat from ${url} for ${watchdog.limitMs} ms`);
    } finally {
      watchdog.disarm();
      if (this.current !== undefined) {
        this.current = undefined;
        this.emit('disconnected', this.running ? 'stream ended' : 'stopped');
      }
    }
    return up;
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
  }
}

function rolesOf(info: FrameworkInfo): string[] {
  return info.roles ?? [info.role ?? '*'];
}

/** Mesos answers 307 with a protocol-relative `//host:port/api/v1/scheduler`. */
export function leaderUrlOf(location: string | null, current: string): string {
  if (location === null || location === '') {
    throw new SchedulerError('SCHEDULER_STREAM_FAILED', `${current} answered 307 without a Location`);
  }
  const absolute = new URL(location, current);
  return `${absolute.protocol}//${absolute.host}`;
}

/** Aborts the stream when nothing (not even a HEARTBEAT) arrived for `missed` heartbeat intervals. */
class HeartbeatWatchdog {
  fired = false;
  limitMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly missed: number,
    private readonly onDead: () => void,
  ) {}

  arm(intervalMs: number): void {
    this.limitMs = intervalMs * this.missed;
    this.beat();
  }

  beat(): void {
    if (this.limitMs === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.onDead();
    }, this.limitMs);
  }

  disarm(): void {
    clearTimeout(this.timer);
  }
}
