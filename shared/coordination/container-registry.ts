/**
 * Live containers: each registers an ephemeral node `/sluice/<job>/containers/<id>` (host, pid,
 * the job model version it runs, its status URL), so it vanishes when the container's session ends, however it
 * ends. ContainerRegistration is the container's side (re-registers on every new session);
 * ContainerRegistry the observers' (the leader lists and watches them; a container whose
 * modelVersion lags behind the current model has not completed its hand-over).
 *
 * If a container restarts before its previous session expired, the old node still stands for up
 * to one session timeout: the new incarnation waits for it to vanish rather than delete it, since
 * the old process might still be running (partitioned, paused) and must be seen as alive.
 */
import { describeError } from '../errors.js';
import { createLogger, type Logger, type LogFields } from '../log.js';
import { hasZkCode, ignoreNoNode, ZkCodes, ZkError } from './errors.js';
import { containerPath, containersDir, decodeNodeName } from './layout.js';
import { SessionLoop, type LoopContext } from './session-loop.js';
import type { ZkClient } from './zk-client.js';
import type { ZkSession, ZkSessionState } from './zk-session.js';
import type { Watcher } from './zk-types.js';

export interface ContainerInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** The job model version whose hand-over this container completed; null before the first. */
  readonly modelVersion: number | null;
  /** The container's status endpoint (`GET <url>/status`), when it serves one. */
  readonly url: string | null;
  /** Hex id of the session that owns the node. */
  readonly session: string;
}

function parseInfo(id: string, data: Buffer, owner: string | null): ContainerInfo | null {
  try {
    const value = JSON.parse(data.toString('utf8')) as Partial<ContainerInfo>;
    if (typeof value.host !== 'string' || typeof value.pid !== 'number') return null;
    const modelVersion = typeof value.modelVersion === 'number' ? value.modelVersion : null;
    const url = typeof value.url === 'string' ? value.url : null;
    return { id, host: value.host, pid: value.pid, modelVersion, url, session: owner ?? '' };
  } catch {
    return null;
  }
}

export class ContainerRegistration {
  private readonly path: string;
  private readonly log: Logger;
  private readonly loop: SessionLoop;
  private modelVersion: number | null = null;
  /** Session id that holds our node, when it does. */
  private registeredIn: string | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly session: ZkSession,
    private readonly job: string,
    private readonly info: { readonly id: string; readonly host: string; readonly pid: number; readonly url?: string },
    log: LogFields = {},
  ) {
    this.path = containerPath(job, info.id);
    this.log = createLogger({ component: 'container-registration', job, container: info.id, ...log });
    this.loop = new SessionLoop(session, (context) => this.step(context), { what: 'container registration', log: this.log });
  }

  /** Registers on the current session and on every new one. */
  start(): this {
    this.session.on('state', this.onState);
    this.loop.start();
    return this;
  }

  /** Resolves once our node exists in the current session; rejects with ZK_TIMEOUT after `timeoutMs`. */
  async registered(timeoutMs: number): Promise<void> {
    if (this.isRegistered()) return;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(new ZkError(ZkCodes.timeout, `container ${this.info.id} not registered within ${timeoutMs} ms`, { retriable: true }));
      }, timeoutMs);
      this.waiters.add(done);
    });
  }

  isRegistered(): boolean {
    return this.registeredIn !== undefined && this.session.state === 'connected' && this.registeredIn === this.session.client.sessionId;
  }

  /** Publishes the job model version this container now runs (after its hand-over completed). */
  async setModelVersion(version: number): Promise<void> {
    this.modelVersion = version;
    if (this.isRegistered()) await this.session.client.setData(this.path, this.data(), -1);
  }

  /** Deregisters: the node is deleted and not re-created. */
  async stop(): Promise<void> {
    this.loop.stop();
    this.session.off('state', this.onState);
    if (this.isRegistered()) await ignoreNoNode(this.session.client.remove(this.path, -1));
    this.registeredIn = undefined;
  }

  private readonly onState = (state: ZkSessionState): void => {
    if (state === 'expired' || state === 'closed') this.registeredIn = undefined;
  };

  private data(): Buffer {
    const { host, pid, url } = this.info;
    return Buffer.from(JSON.stringify({ host, pid, modelVersion: this.modelVersion, url: url ?? null }), 'utf8');
  }

  private async step({ client, waitFor, active }: LoopContext): Promise<void> {
    await client.mkdirp(containersDir(this.job));
    await waitFor(async (watcher) => {
      const stat = await client.exists(this.path, watcher);
      if (!active()) return true; // the session ended meanwhile; the wait is cancelled anyway
      if (stat === null) {
        await this.create(client);
        return false;
      }
      if (stat.ephemeralOwner === client.sessionId) this.markRegistered(client);
      else this.log.warn('an earlier incarnation is still registered; waiting for its session to end', { owner: stat.ephemeralOwner });
      return true;
    });
  }

  private async create(client: ZkClient): Promise<void> {
    try {
      await client.create(this.path, this.data(), 'ephemeral');
    } catch (error) {
      if (!hasZkCode(error, 'ZK_NODE_EXISTS')) throw error; // someone registered first: the next pass sees who
    }
  }

  private markRegistered(client: ZkClient): void {
    if (this.registeredIn === client.sessionId) return;
    this.registeredIn = client.sessionId;
    this.log.info('container registered', { session: client.sessionId, node: this.path });
    for (const waiter of [...this.waiters]) waiter();
    this.waiters.clear();
  }
}

export class ContainerRegistry {
  private readonly dir: string;
  private readonly log: Logger;

  constructor(
    private readonly session: ZkSession,
    job: string,
  ) {
    this.dir = containersDir(job);
    this.log = createLogger({ component: 'container-registry', job });
  }

  /** The live containers, by id. */
  async list(): Promise<ContainerInfo[]> {
    return this.read(this.session.client);
  }

  /** Calls `onChange` with the live containers now and whenever one comes, goes or changes its data. */
  watch(onChange: (containers: ContainerInfo[]) => void): () => void {
    let last = '';
    let wake = (): void => undefined;
    // One function for every watch of the loop, so re-arming on unchanged nodes adds no listeners.
    const watcher: Watcher = () => wake();
    const loop = new SessionLoop(
      this.session,
      async ({ client, waitFor }) => {
        await waitFor(async (finish) => {
          wake = () => finish({ type: 'childrenChanged', path: this.dir });
          const containers = await this.read(client, watcher);
          const text = JSON.stringify(containers);
          if (text !== last) {
            last = text;
            try {
              onChange(containers);
            } catch (error) {
              this.log.error('container registry listener failed', { error: describeError(error) });
            }
          }
          return true;
        });
      },
      { what: 'container registry watch', log: this.log },
    );
    loop.start();
    return () => loop.stop();
  }

  private async read(client: ZkClient, watcher?: Watcher): Promise<ContainerInfo[]> {
    const children = await ignoreNoNode(client.getChildren(this.dir, watcher));
    if (children === undefined) {
      if (watcher !== undefined && (await client.exists(this.dir, watcher)) !== null) watcher({ type: 'created', path: this.dir });
      return [];
    }
    const containers: ContainerInfo[] = [];
    for (const child of children.sort()) {
      const node = await ignoreNoNode(client.get(`${this.dir}/${child}`, watcher));
      // Nodes that vanished meanwhile, or that a registration did not write, are not live containers.
      const info = node && parseInfo(decodeNodeName(child), node.data, node.stat.ephemeralOwner);
      if (info) containers.push(info);
    }
    return containers;
  }
}
