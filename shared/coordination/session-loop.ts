/**
 * The shape every owner of ephemeral nodes or watches shares: on each new session, run a step
 * again and again (create the node, read, arm a watch, wait for it), until the session ends or
 * the owner stops. A wait ends when its watch fires, or by cancellation when the session is
 * replaced, expires or closes (watches are lost with an expired session, so nothing else would
 * ever wake it). Failed ZooKeeper calls are retried with a capped backoff; the first failure of a
 * streak is logged, and the recovery, once each.
 */
import { backoffDelayMs } from '../backoff.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ZkClient } from './zk-client.js';
import type { ZkSession, ZkSessionState } from './zk-session.js';
import type { Watcher } from './zk-types.js';

/** Arms a one-shot watch; resolves true to wait for it, false when the awaited change already happened. */
export type ArmWatch = (watcher: Watcher) => Promise<boolean>;

export interface LoopContext {
  readonly client: ZkClient;
  /** Resolves when the watch armed by `arm` fires (at once if arm returns false); rejects if cancelled. */
  waitFor(arm: ArmWatch): Promise<void>;
  /** False once this run was cancelled: a reply that arrives later must not change the owner's state. */
  active(): boolean;
}

export interface SessionLoopOptions {
  /** Names the loop in log lines, e.g. 'leader election'. */
  readonly what: string;
  readonly log: Logger;
  /** First retry delay after a failed step (doubling, capped at the session timeout). Default 250 ms. */
  readonly retryDelayMs?: number;
}

class Cancelled extends Error {}

export class SessionLoop {
  private run = 0;
  private readonly cancels = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly session: ZkSession,
    private readonly step: (context: LoopContext) => Promise<void>,
    private readonly options: SessionLoopOptions,
  ) {}

  /** Starts looping on the current session (if connected) and on every new one. */
  start(): void {
    if (this.unsubscribe !== undefined) return;
    const onSession = this.session.onSession((client) => {
      this.cancel();
      void this.loop(client, this.run);
    });
    this.session.on('state', this.onState);
    this.unsubscribe = () => {
      onSession();
      this.session.off('state', this.onState);
    };
  }

  /** Stops the loop; a step in progress is abandoned at its next wait. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.cancel();
  }

  private readonly onState = (state: ZkSessionState): void => {
    if (state === 'expired' || state === 'closed') this.cancel();
  };

  private cancel(): void {
    this.run += 1;
    for (const cancel of [...this.cancels]) cancel();
    this.cancels.clear();
  }

  private async loop(client: ZkClient, run: number): Promise<void> {
    const context: LoopContext = { client, waitFor: (arm) => this.waitFor(arm, run), active: () => this.run === run };
    let failures = 0;
    while (this.run === run) {
      try {
        await this.step(context);
        if (failures > 0) this.options.log.info(`${this.options.what}: ZooKeeper calls work again`, { failures });
        failures = 0;
      } catch (error) {
        if (this.run !== run || error instanceof Cancelled) return;
        if (failures === 0) this.options.log.warn(`${this.options.what}: ZooKeeper call failed; retrying`, { error: describeError(error) });
        failures += 1;
        const delayMs = backoffDelayMs(failures, { initialMs: this.options.retryDelayMs ?? 250, maxMs: client.sessionTimeoutMs });
        await this.sleep(delayMs, run);
      }
    }
  }

  /** A retry delay that a cancellation cuts short (and whose timer it clears). */
  private sleep(ms: number, run: number): Promise<void> {
    if (this.run !== run) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const cancel = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.cancels.delete(cancel);
        resolve();
      }, ms);
      this.cancels.add(cancel);
    });
  }

  private waitFor(arm: ArmWatch, run: number): Promise<void> {
    if (this.run !== run) return Promise.reject(new Cancelled());
    return new Promise<void>((resolve, reject) => {
      const cancel = (): void => reject(new Cancelled());
      this.cancels.add(cancel);
      const finish = (): void => {
        this.cancels.delete(cancel);
        resolve();
      };
      arm(finish).then(
        (wait) => {
          if (!wait) finish();
        },
        (error: unknown) => {
          this.cancels.delete(cancel);
          reject(error);
        },
      );
    });
  }
}
