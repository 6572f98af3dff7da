/**
 * A promise wrapper over ONE node-zookeeper-client session. It exists because the library has no
 * request timeouts (a call queued while disconnected never calls back if the session then
 * expires), silently drops string data, and turns version 0 into "any version" in a multi.
 * So: every call has an application timeout, data is always a Buffer, a multi refuses version 0,
 * results carry versions, and failures are ZkErrors from the one code table in errors.ts.
 *
 * A ZkClient dies with its session ('expired'); ZkSession (zk-session.ts) replaces it and is what
 * the rest of Sluice holds. `retries` stays 0: the library would also retry `create`, duplicating
 * sequential nodes.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import zookeeper from 'node-zookeeper-client';
import { hasZkCode, isServerReply, toZkError, ZkCodes, ZkError } from './errors.js';
import { aclForNewNode, type AclEntry, type DigestAuth } from './zk-acl.js';
import {
  checkData,
  checkMultiVersion,
  CREATE_MODES,
  toNodeStat,
  WATCH_TYPES,
  type CreateMode,
  type MultiOp,
  type MultiResult,
  type NodeData,
  type NodeStat,
  type Watcher,
} from './zk-types.js';

export type { CreateMode, MultiOp, MultiResult, NodeData, NodeStat, WatchEvent, WatchEventType, Watcher } from './zk-types.js';
export type { AclEntry, DigestAuth } from './zk-acl.js';
export { MAX_NODE_BYTES } from './zk-types.js';

export interface ZkClientOptions {
  /** host:port[,host:port…][/chroot] */
  readonly connect: string;
  /** Requested session timeout; the server negotiates it into [2, 20] × its tickTime. */
  readonly sessionTimeoutMs: number;
  /** Application timeout of every call. */
  readonly callTimeoutMs: number;
  /**
   * Digest credentials: sent on every (re)connect, before any request; the nodes this client
   * creates are then for them alone (zk-acl.ts). Without: open nodes.
   */
  readonly auth?: DigestAuth;
}

/** Share of the negotiated session timeout that the lease lasts. */
const LEASE_SHARE = 0.9;

/** The parts of the library's private connection manager that close() must reach (see close()). */
interface LibraryInternals {
  connectionManager?: { connect: () => void; socket?: Socket; connectTimeoutHandler?: NodeJS.Timeout | null };
}

export interface ZkClientEvents {
  connected: [];
  disconnected: [];
  /** The session is dead (expired, or authentication failed); the client is useless from now on. */
  expired: [reason: string];
}

export class ZkClient extends EventEmitter<ZkClientEvents> {
  private readonly client: zookeeper.Client;
  private readonly auth: DigestAuth | undefined;
  private readonly callTimeoutMs: number;
  private readonly watchers = new WeakMap<Watcher, zookeeper.Watcher>();
  private confirmed = Number.NEGATIVE_INFINITY;
  private connectedAt: number | undefined;
  private lapsed = false;
  private closed = false;

  /** Creates the client and starts connecting (the library reconnects by itself until the session expires). */
  constructor(options: ZkClientOptions) {
    super();
    this.callTimeoutMs = options.callTimeoutMs;
    this.client = zookeeper.createClient(options.connect, { sessionTimeout: options.sessionTimeoutMs, spinDelay: 200, retries: 0 });
    this.auth = options.auth;
    // Queued before connect(): the library sends it right after the handshake, ahead of any request.
    if (options.auth !== undefined) this.client.addAuthInfo('digest', Buffer.from(`${options.auth.user}:${options.auth.password}`));
    this.client.on('connected', () => {
      this.connectedAt ??= performance.now();
      this.emit('connected');
    });
    this.client.on('disconnected', () => this.emit('disconnected'));
    this.client.on('expired', () => this.emit('expired', 'the server expired the session'));
    this.client.on('authenticationFailed', () => this.emit('expired', 'authentication failed'));
    this.client.connect();
  }

  /** Hex session id ('0000000000000000' until the first connect). */
  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  /** The negotiated session timeout once connected (the requested one before). */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  /** The session password, which with the id lets a test open the same session elsewhere. */
  get sessionPassword(): Buffer {
    return this.client.getSessionPassword();
  }

  /**
   * performance.now() at which the latest request that the server answered was sent (-Infinity
   * before the first). The server keeps a session for its timeout after the last request it
   * received, so the session cannot have expired before confirmedAt + sessionTimeoutMs.
   */
  get confirmedAt(): number {
    return this.confirmed;
  }

  /**
   * The session lease: performance.now() until which the session surely lives, i.e. the send
   * time of the latest answered request (or the connect) plus 90% of the negotiated timeout (room
   * for timer lateness and clock-rate drift). -Infinity before connecting and once the lease has
   * lapsed: that is FINAL, because whoever saw it lapse (isLeader(), holds()) stopped acting, and a
   * request sent after the lapse renews nothing, so a late answer cannot silently resume it.
   */
  leaseUntil(): number {
    if (this.lapsed || this.connectedAt === undefined) return Number.NEGATIVE_INFINITY;
    const until = Math.max(this.confirmed, this.connectedAt) + this.sessionTimeoutMs * LEASE_SHARE;
    if (performance.now() < until) return until;
    this.lapsed = true;
    return Number.NEGATIVE_INFINITY;
  }

  async get(path: string, watcher?: Watcher): Promise<NodeData> {
    return this.call('getData', path, (done: (error: Error | null, value: NodeData) => void) => {
      const callback = (error: Error | null, data: Buffer | undefined, stat: zookeeper.Stat): void => {
        if (error) done(error, undefined as never);
        // An empty node comes back as undefined data.
        else done(null, { data: data ?? Buffer.alloc(0), version: stat.version, stat: toNodeStat(stat) });
      };
      if (watcher === undefined) this.client.getData(path, callback);
      else this.client.getData(path, this.wrapWatcher(watcher), callback);
    });
  }

  /** The node's stat, or null when it does not exist (a watcher then fires on its creation). */
  async exists(path: string, watcher?: Watcher): Promise<NodeStat | null> {
    const stat = await this.call('exists', path, (done: zookeeper.Callback<zookeeper.Stat | null>) => {
      if (watcher === undefined) this.client.exists(path, done);
      else this.client.exists(path, this.wrapWatcher(watcher), done);
    });
    return stat ? toNodeStat(stat) : null;
  }

  async getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return this.call('getChildren', path, (done: (error: Error | null, value: string[]) => void) => {
      const callback = (error: Error | null, children: string[]): void => done(error, children);
      if (watcher === undefined) this.client.getChildren(path, callback);
      else this.client.getChildren(path, this.wrapWatcher(watcher), callback);
    });
  }

  /** Creates a node and returns its path (with the sequence number for sequential modes). */
  async create(path: string, data: Buffer, mode: CreateMode = 'persistent'): Promise<string> {
    checkData(data, path);
    return this.call('create', path, (done: zookeeper.Callback<string>) =>
      this.client.create(path, data, this.aclFor(path), CREATE_MODES[mode], done),
    );
  }

  /** Compare-and-set: fails with ZK_BAD_VERSION unless the node is at `version` (-1: any). Returns the new version. */
  async setData(path: string, data: Buffer, version: number): Promise<number> {
    checkData(data, path);
    const stat = await this.call('setData', path, (done: zookeeper.Callback<zookeeper.Stat>) =>
      this.client.setData(path, data, version, done),
    );
    return stat.version;
  }

  /** Deletes a node at `version` (-1: any). */
  async remove(path: string, version: number): Promise<void> {
    await this.call('remove', path, (done: zookeeper.Callback<undefined>) =>
      this.client.remove(path, version, (error) => done(error, undefined)),
    );
  }

  /**
   * Creates the missing persistent nodes of a path, empty, each with the ACL for its level (not the
   * library's mkdirp, which gives every level the same ACL: the shared /sluice would be one job's).
   * An existing path is left alone without a create, which an ACL of a level above may refuse
   * (exists() needs READ on an existing node since ZooKeeper 3.9.2, so the owner's own path only).
   */
  async mkdirp(path: string): Promise<void> {
    if ((await this.exists(path)) !== null) return;
    const names = path.split('/').filter((name) => name !== '');
    for (let depth = 1; depth <= names.length; depth += 1) {
      await this.create(`/${names.slice(0, depth).join('/')}`, Buffer.alloc(0)).catch((error: unknown) => {
        if (!hasZkCode(error, 'ZK_NODE_EXISTS')) throw error;
      });
    }
  }

  /** The node's ACL. */
  async getAcl(path: string): Promise<AclEntry[]> {
    const acls = await this.call('getACL', path, (done: (error: Error | null, value: zookeeper.ACL[]) => void) =>
      this.client.getACL(path, (error, entries) => done(error, entries ?? [])),
    );
    return acls.map((acl) => ({ scheme: acl.id.scheme, id: acl.id.id, permissions: acl.permission }));
  }

  /**
   * Applies all ops atomically or none. On failure the ZkError's context says which op failed
   * (`failedOp`, its index, and `path`), so a caller can tell a failed fence from a stale version.
   */
  async multi(ops: readonly MultiOp[]): Promise<MultiResult[]> {
    ops.forEach(checkMultiVersion);
    const transaction = this.client.transaction();
    for (const op of ops) {
      if (op.op === 'check') transaction.check(op.path, op.version);
      else if (op.op === 'create') {
        checkData(op.data, op.path);
        transaction.create(op.path, op.data, this.aclFor(op.path), CREATE_MODES[op.mode ?? 'persistent']);
      } else if (op.op === 'setData') {
        checkData(op.data, op.path);
        transaction.setData(op.path, op.data, op.version);
      } else transaction.remove(op.path, op.version);
    }
    const what = ops.map((op) => `${op.op} ${op.path}`).join(', ');
    const results = await this.call(`multi [${what}]`, ops[0]?.path ?? '/', (done: zookeeper.Callback<zookeeper.OpResult[]>) =>
      transaction.commit((error, raw) => {
        if (!error) return done(null, raw ?? []);
        const failedOp = raw?.findIndex((r) => r.err !== undefined && r.err !== 0) ?? -1;
        const failed = ops[failedOp];
        const context = failed ? { failedOp, path: failed.path } : {};
        done(toZkError(error, `multi op ${failedOp} (${failed?.op ?? '?'} ${failed?.path ?? '?'})`, context), []);
      }),
    );
    return results.map((r) => ({ ...(r.path === undefined ? {} : { path: r.path }), ...(r.stat ? { version: r.stat.version } : {}) }));
  }

  /**
   * Ends the session (its ephemeral nodes vanish) and waits, bounded, until the socket is closed.
   * The library's own close() only finishes on a live connection: while it is still connecting
   * (server down, or a socket that never answers) it would keep reconnecting and keep the process
   * alive. So after it, the connection is stopped for good: no reconnect, socket destroyed.
   */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const connected = this.client.getState() === zookeeper.State.SYNC_CONNECTED;
    const gone = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, connected ? timeoutMs : 0);
      this.client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.client.close();
    await gone;
    const manager = (this.client as unknown as LibraryInternals).connectionManager;
    if (manager === undefined) return;
    manager.connect = () => undefined;
    clearTimeout(manager.connectTimeoutHandler ?? undefined);
    manager.socket?.destroy();
  }

  private aclFor(path: string): zookeeper.ACL[] {
    return aclForNewNode(path, this.auth).map((entry) => new zookeeper.ACL(entry.permissions, new zookeeper.Id(entry.scheme, entry.id)));
  }

  /**
   * NO_AUTH alone does not say whose fault it is; name the identity this client presented (never
   * the password), so a job with the wrong or no credentials says so.
   */
  private explainNoAuth(error: ZkError): ZkError {
    if (error.code !== 'ZK_NO_AUTH') return error;
    const who =
      this.auth === undefined
        ? 'this session has no credentials (zookeeper.auth is not set in the job config), and the node is closed to anonymous clients'
        : `the node's ACL does not let ZooKeeper digest user '${this.auth.user}' do this: the node belongs to another identity, ` +
          'or the password file holds another password than the one the node was created with';
    return new ZkError(error.code, `${error.message}: ${who}`, { cause: error.cause, context: error.context, zkCode: error.zkCode });
  }

  /**
   * The library keeps one listener per distinct function and path until it fires; mapping the same
   * Watcher to the same wrapper lets a loop re-arm a watch on an unchanged node without piling up listeners.
   */
  private wrapWatcher(watcher: Watcher): zookeeper.Watcher {
    let wrapped = this.watchers.get(watcher);
    if (wrapped === undefined) {
      wrapped = (event) => {
        const type = WATCH_TYPES[event.getType()];
        if (type !== undefined) watcher({ type, path: event.getPath() });
      };
      this.watchers.set(watcher, wrapped);
    }
    return wrapped;
  }

  /** One library call as a promise with an application timeout; replies from the server confirm the session. */
  private call<T>(what: string, path: string, invoke: (done: (error: Error | null, value: T) => void) => void): Promise<T> {
    const sentAt = performance.now();
    const renews = this.leaseUntil() > sentAt; // sent after the lease lapsed: proves nothing about then
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        const message = `ZooKeeper ${what} ${path} got no answer within ${this.callTimeoutMs} ms`;
        reject(new ZkError(ZkCodes.timeout, message, { retriable: true, context: { path } }));
      }, this.callTimeoutMs);
      const done = (error: Error | null, value: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!error) {
          if (renews) this.confirmed = Math.max(this.confirmed, sentAt);
          resolve(value);
          return;
        }
        const zkError = this.explainNoAuth(toZkError(error, `${what} ${path}`, { path }));
        if (renews && isServerReply(zkError)) this.confirmed = Math.max(this.confirmed, sentAt);
        reject(zkError);
      };
      try {
        invoke(done);
      } catch (error) {
        done(toZkError(error, `${what} ${path}`, { path }), undefined as never);
      }
    });
  }
}
