/**
 * The master's announcement in ZooKeeper, as a Mesos master started with `--zk` makes it: an
 * ephemeral sequential znode `<path>/json.info_<10-digit seq>` holding its JSON MasterInfo, so a
 * scheduler given `zk://host:port/path` finds the leader (the smallest sequence). One session
 * serves the mini Mesos's whole life; each (restarted) master gets its own node, and a new session
 * after an expiry announces the current master again (the old session's node went with it).
 */
import { ignoreNoNode } from '../../../shared/coordination/errors.js';
import type { ZkClient } from '../../../shared/coordination/zk-client.js';
import { ZkSession } from '../../../shared/coordination/zk-session.js';
import { jsonCodec, type MasterInfo } from '../../../shared/mesos/index.js';

export interface ZkUrl {
  /** host:port[,host:port…] */
  connect: string;
  /** The znode the masters announce themselves under, e.g. `/mesos`. */
  path: string;
}

/** Mesos's `--zk_session_timeout` default. */
const SESSION_TIMEOUT_MS = 10_000;
/** Node name prefix of Mesos's JSON MasterInfo (ZooKeeper appends the sequence). */
const INFO_PREFIX = 'json.info_';

/** Parses `zk://host:port[,host:port…]/path`; throws a RangeError saying what is expected. */
export function parseZkUrl(url: string): ZkUrl {
  const match = /^zk:\/\/([^/@\s]+)(\/[^\s]*)$/.exec(url);
  const path = match?.[2]?.replace(/\/+$/, '');
  if (match?.[1] === undefined || !path) throw new RangeError(`zk must be zk://host:port[,host:port]/path, got '${url}'`);
  return { connect: match[1], path };
}

export class ZkRegistration {
  /** The master to announce; undefined between a master's stop and the next one's start. */
  private info: MasterInfo | undefined;
  /** The current master's node (undefined if it has none): settled creation, or the one in flight. */
  private node: Promise<string | undefined> = Promise.resolve(undefined);
  /** The session client the node was created on: a new one means the node is gone. */
  private announcedOn: ZkClient | undefined;

  private constructor(
    private readonly session: ZkSession,
    private readonly url: ZkUrl,
  ) {
    session.onSession((client) => {
      if (this.info !== undefined && client !== this.announcedOn) this.node = this.create(client, this.info).catch(() => undefined);
    });
  }

  /** Opens the session; rejects if ZooKeeper cannot be reached within the session timeout. */
  static async open(url: ZkUrl): Promise<ZkRegistration> {
    const session = new ZkSession({
      connect: url.connect,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      log: { component: 'mini-mesos-zk' },
    }).start();
    try {
      await session.ready();
    } catch (error) {
      await session.close();
      throw error;
    }
    return new ZkRegistration(session, url);
  }

  /** Creates the master's node (and the parent path); resolves with the node's path. */
  async announce(info: MasterInfo): Promise<string> {
    this.info = info;
    const created = this.create(this.session.client, info);
    this.node = created.catch(() => undefined);
    return created;
  }

  /** Deletes the current master's node, as its session ending would. */
  async withdraw(): Promise<void> {
    this.info = undefined;
    const node = await this.node;
    this.node = Promise.resolve(undefined);
    if (node !== undefined) await ignoreNoNode(this.session.client.remove(node, -1));
  }

  /**
   * Ends the session, which removes the node on the server (no separate delete that could fail
   * when ZooKeeper is unreachable: the node then goes when the session times out).
   */
  async close(): Promise<void> {
    this.info = undefined;
    await this.session.close();
  }

  private async create(client: ZkClient, info: MasterInfo): Promise<string> {
    this.announcedOn = client;
    await client.mkdirp(this.url.path);
    const data = Buffer.from(jsonCodec.masterInfo.encode(info));
    return client.create(`${this.url.path}/${INFO_PREFIX}`, data, 'ephemeral-sequential');
  }
}
