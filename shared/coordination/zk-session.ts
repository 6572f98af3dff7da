/**
 * A ZooKeeper session that outlives its clients. node-zookeeper-client reconnects by itself while
 * its session lives, but once the session expires the client is dead, and it only learns of the
 * expiry on reconnect (a paused or partitioned process believes it is still connected). ZkSession
 * therefore keeps a *lease*: the session is known alive until the send time of the last request
 * the server answered plus 90% of the negotiated timeout (the server keeps a session for the full
 * timeout after the last request it received; ZkClient.leaseUntil). A heartbeat every quarter
 * timeout renews it, and a lapse is final. When the lease lapses (disconnected or unanswered for about the timeout, or the process was paused)
 * or the library reports expiry, the session is declared expired at once, the client is closed
 * and a new one is created after a capped backoff (200 ms doubling to 10 s by default).
 *
 * Owners of ephemeral nodes and watches (leader election, container registry, task claims, job
 * model watch) react to 'state' ('expired': their nodes and watches are gone, stop acting on them)
 * and re-create them in onSession(), which runs for every new session. One log line per change.
 */
import { EventEmitter } from 'node:events';
import { backoffDelayMs } from '../backoff.js';
import { describeError } from '../errors.js';
import { createLogger, type Logger, type LogFields } from '../log.js';
import { ZkCodes, ZkError } from './errors.js';
import { ZkClient } from './zk-client.js';
import type { DigestAuth } from './zk-acl.js';

export type ZkSessionState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed';

export interface ZkSessionOptions {
  /** host:port[,host:port…][/chroot] */
  readonly connect: string;
  /** Requested session timeout (default 10 s); the server may negotiate another. */
  readonly sessionTimeoutMs?: number;
  /** Application timeout of each call (default 5 s). */
  readonly callTimeoutMs?: number;
  readonly auth?: DigestAuth;
  /** Delay before creating a new client after an expiry: initialMs doubling up to maxMs. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Fields for the session's log lines (job, component…). */
  readonly log?: LogFields;
}

export interface ZkSessionEvents {
  state: [state: ZkSessionState, previous: ZkSessionState];
}

export class ZkSession extends EventEmitter<ZkSessionEvents> {
  private readonly options: Required<Pick<ZkSessionOptions, 'connect' | 'sessionTimeoutMs' | 'callTimeoutMs'>> & ZkSessionOptions;
  private readonly log: Logger;
  private readonly handlers = new Set<(client: ZkClient) => void>();
  private current: ZkClient | undefined;
  private currentState: ZkSessionState = 'connecting';
  private live = false;
  private failures = 0;
  private disconnectedAt: number | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private heartbeatInFlight = false;

  constructor(options: ZkSessionOptions) {
    super();
    // Defaults per field: a caller passing `sessionTimeoutMs: undefined` must still get 10 s, not the library's 30 s.
    this.options = { ...options, sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000, callTimeoutMs: options.callTimeoutMs ?? 5_000 };
    this.log = createLogger({ component: 'zk-session', ...options.log });
  }

  get state(): ZkSessionState {
    return this.currentState;
  }

  /** The client of the current session (calls on it fail with ZK errors while it is not connected). */
  get client(): ZkClient {
    if (this.current === undefined || this.currentState === 'closed') {
      throw new ZkError(ZkCodes.closed, `ZooKeeper session to ${this.options.connect} is ${this.currentState}`);
    }
    return this.current;
  }

  /** performance.now() until which the current session is surely alive (-Infinity if unknown or lapsed; see ZkClient.leaseUntil). */
  leaseUntil(): number {
    return this.live && this.current !== undefined ? this.current.leaseUntil() : Number.NEGATIVE_INFINITY;
  }

  /** True while the lease holds: ephemeral nodes of this session surely exist and nobody else took over. */
  hasLease(): boolean {
    return performance.now() < this.leaseUntil();
  }

  /** Creates the first client; idempotent. */
  start(): this {
    if (this.current === undefined && this.currentState !== 'closed') this.open();
    return this;
  }

  /**
   * Runs `handler` for every new session once it is connected (now, if one is), so the owner can
   * re-create its ephemeral nodes and watches. Returns a function that unregisters it.
   */
  onSession(handler: (client: ZkClient) => void): () => void {
    this.handlers.add(handler);
    const client = this.current;
    if (this.live && client !== undefined) {
      queueMicrotask(() => {
        if (this.handlers.has(handler) && client === this.current) this.runHandler(handler, client);
      });
    }
    return () => this.handlers.delete(handler);
  }

  /** Resolves with the client once connected; rejects with ZK_TIMEOUT (the session keeps trying) or ZK_CLOSED. */
  async ready(timeoutMs = this.options.sessionTimeoutMs): Promise<ZkClient> {
    if (this.currentState === 'connected') return this.client;
    return new Promise<ZkClient>((resolve, reject) => {
      const onState = (state: ZkSessionState): void => {
        if (state !== 'connected' && state !== 'closed') return;
        clearTimeout(timer);
        this.off('state', onState);
        if (state === 'connected') resolve(this.client);
        else reject(new ZkError(ZkCodes.closed, 'ZooKeeper session closed before it connected'));
      };
      const timer = setTimeout(() => {
        this.off('state', onState);
        const message = `no ZooKeeper session to ${this.options.connect} within ${timeoutMs} ms (still trying)`;
        reject(new ZkError(ZkCodes.timeout, message, { retriable: true }));
      }, timeoutMs);
      this.on('state', onState);
    });
  }

  /** Ends the session (its ephemeral nodes vanish) and stops reconnecting. */
  async close(): Promise<void> {
    if (this.currentState === 'closed') return;
    const client = this.current;
    this.live = false;
    this.clearTimers();
    this.setState('closed', {});
    await client?.close();
  }

  private open(): void {
    const client = new ZkClient({
      connect: this.options.connect,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      callTimeoutMs: this.options.callTimeoutMs,
      ...(this.options.auth === undefined ? {} : { auth: this.options.auth }),
    });
    this.current = client;
    this.live = false;
    // Events of a replaced client are stale: only the current one speaks for the session.
    client.on('connected', () => {
      if (client === this.current) this.onConnected(client);
    });
    client.on('disconnected', () => {
      if (client === this.current) this.onDisconnected();
    });
    client.on('expired', (reason) => {
      if (client === this.current) this.expire(reason);
    });
  }

  private onConnected(client: ZkClient): void {
    const fresh = !this.live;
    const now = performance.now();
    // A lapsed lease is final even if the same session comes back: the owners were told to stop
    // (isLeader() and holds() went false), so they must start over, not silently resume.
    if (!fresh && this.leaseLapsed(client)) return this.expireLapsed(client);
    this.live = true;
    const disconnectedMs = this.disconnectedAt === undefined ? undefined : Math.round(now - this.disconnectedAt);
    this.disconnectedAt = undefined;
    this.setState('connected', {
      session: client.sessionId,
      sessionTimeoutMs: client.sessionTimeoutMs,
      ...(fresh ? { newSession: true } : { disconnectedMs }),
    });
    this.heartbeat();
    this.heartbeatTimer ??= setInterval(() => this.heartbeat(), Math.max(100, client.sessionTimeoutMs / 4));
    if (fresh) for (const handler of [...this.handlers]) this.runHandler(handler, client);
  }

  /** A throwing owner must not break the client's event emitter or the other owners. */
  private runHandler(handler: (client: ZkClient) => void, client: ZkClient): void {
    try {
      handler(client);
    } catch (error) {
      this.log.error('ZooKeeper session owner failed to start on a new session', { error: describeError(error) });
    }
  }

  private onDisconnected(): void {
    if (!this.live) return; // the library also reports the socket closing while it tries to connect
    this.disconnectedAt = performance.now();
    this.setState('disconnected', { session: this.current?.sessionId });
  }

  /** Renews the lease; a heartbeat that fails just lets the lease run out. */
  private heartbeat(): void {
    const client = this.current;
    if (client === undefined || !this.live || this.heartbeatInFlight) return;
    if (this.leaseLapsed(client)) return this.expireLapsed(client);
    this.heartbeatInFlight = true;
    client
      .exists('/')
      .then(() => {
        this.failures = 0; // a session that answered resets the backoff
      })
      .catch(() => undefined)
      .finally(() => {
        this.heartbeatInFlight = false;
        if (client !== this.current || !this.live) return;
        // A reply to a request sent before a pause renews nothing: the lease may have lapsed meanwhile.
        if (this.leaseLapsed(client)) this.expireLapsed(client);
        else this.armLeaseTimer();
      });
    this.armLeaseTimer();
  }

  private leaseLapsed(client: ZkClient): boolean {
    return client.leaseUntil() === Number.NEGATIVE_INFINITY;
  }

  private expireLapsed(client: ZkClient): void {
    const last = client.confirmedAt === Number.NEGATIVE_INFINITY ? 'never' : `${Math.round(performance.now() - client.confirmedAt)} ms ago`;
    this.expire(`session lease lapsed: ZooKeeper last answered ${last} (session timeout ${client.sessionTimeoutMs} ms)`);
  }

  /** Expires the session when the lease lapses (checked again when the timer fires: replies may have renewed it). */
  private armLeaseTimer(): void {
    const client = this.current;
    if (client === undefined || !this.live) return;
    clearTimeout(this.leaseTimer);
    this.leaseTimer = setTimeout(
      () => {
        if (client !== this.current || !this.live) return;
        if (this.leaseLapsed(client)) this.expireLapsed(client);
        else this.armLeaseTimer();
      },
      Math.max(0, client.leaseUntil() - performance.now()),
    );
  }

  /** The session is gone: tell the owners at once, drop the client, and open a new one after a backoff. */
  private expire(reason: string): void {
    const client = this.current;
    if (client === undefined || this.currentState === 'closed' || this.currentState === 'expired') return;
    this.live = false;
    this.clearTimers();
    this.failures += 1;
    const delayMs = backoffDelayMs(this.failures, {
      initialMs: this.options.backoff?.initialMs ?? 200,
      maxMs: this.options.backoff?.maxMs ?? 10_000,
    });
    this.setState('expired', { session: client.sessionId, reason, reconnectInMs: delayMs });
    void client.close();
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      this.setState('connecting', {});
      this.open();
    }, delayMs);
  }

  private clearTimers(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.leaseTimer);
    clearTimeout(this.reopenTimer);
    this.heartbeatTimer = undefined;
    this.leaseTimer = undefined;
    this.reopenTimer = undefined;
  }

  private setState(state: ZkSessionState, fields: Record<string, unknown>): void {
    const previous = this.currentState;
    if (state === previous) return;
    this.currentState = state;
    const level = state === 'disconnected' || state === 'expired' ? 'warn' : 'info';
    this.log.log(level, `ZooKeeper session ${state}`, { connect: this.options.connect, previous, ...fields });
    this.emit('state', state, previous);
  }
}
