/**
 * Shared pieces of the coordination integration tests: sessions against the test ZooKeeper with a
 * short session timeout, a proxy that partitions a client away, bounded waiting, and clean-up.
 */
import { once, type EventEmitter } from 'node:events';
import net from 'node:net';
import { ignoreNoNode } from '../../../shared/coordination/errors.js';
import type { ZkClient } from '../../../shared/coordination/zk-client.js';
import { ZkSession, type ZkSessionOptions } from '../../../shared/coordination/zk-session.js';
import { setLogLevel } from '../../../shared/log.js';
import { withTimeout } from '../../../dev/services/net.js';
import { zkConnect } from '../../infra/services.js';

/** Short, so failover tests are quick; the test ZooKeeper's tickTime of 2 s allows 4 s to 40 s. */
export const SESSION_TIMEOUT_MS = 4_000;

/** The test ZooKeeper's tickTime (dev/services/zookeeper.ts): the server expires a session at the first tick after its timeout. */
export const ZK_TICK_MS = 2_000;

/** A session's lease: 90% of its timeout from the send time of the last request ZooKeeper answered (ZkClient.leaseUntil). */
export const LEASE_SHARE = 0.9;

// Session changes log at info; tests that fail print their own story.
setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'warn');

/** A started session to the test ZooKeeper; connected when the promise resolves. */
export async function openSession(options: Partial<ZkSessionOptions> = {}): Promise<ZkSession> {
  const session = new ZkSession({ connect: zkConnect(), sessionTimeoutMs: SESSION_TIMEOUT_MS, callTimeoutMs: 3_000, ...options });
  session.start();
  await session.ready(10_000);
  return session;
}

/**
 * A TCP proxy in front of the test ZooKeeper, to cut a client off (a network partition): block()
 * drops its connections and refuses new ones; the server then expires the session after its timeout.
 */
export class ZkProxy {
  private blocked = false;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server) {}

  static async start(): Promise<ZkProxy> {
    const [host, port] = zkConnect().split(':');
    const server = net.createServer();
    const proxy = new ZkProxy(server);
    server.on('connection', (socket) => {
      if (proxy.blocked) {
        socket.destroy();
        return;
      }
      const upstream = net.connect({ host: host ?? '127.0.0.1', port: Number(port) });
      for (const [a, b] of [
        [socket, upstream],
        [upstream, socket],
      ] as const) {
        proxy.sockets.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          proxy.sockets.delete(a);
          b.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    return proxy;
  }

  /** Connect string of the proxy. */
  get connect(): string {
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  block(): void {
    this.blocked = true;
    for (const socket of this.sockets) socket.destroy();
  }

  unblock(): void {
    this.blocked = false;
  }

  async close(): Promise<void> {
    this.block();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Deletes a subtree (children first); missing nodes are fine. */
export async function removeTree(client: ZkClient, path: string): Promise<void> {
  for (const child of (await ignoreNoNode(client.getChildren(path))) ?? []) await removeTree(client, `${path}/${child}`);
  await ignoreNoNode(client.remove(path, -1));
}

/** The arguments of the next `event` of `emitter`, or a rejection after `timeoutMs`. */
export async function nextEvent<T extends unknown[]>(emitter: EventEmitter, event: string, timeoutMs: number): Promise<T> {
  return withTimeout(once(emitter, event) as Promise<T>, timeoutMs, `no '${event}' event`);
}

/** Polls `probe` every 50 ms until it returns something other than undefined; bounded by `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
