/**
 * A node only the leader writes, holding one JSON value: reading remembers its data version, and
 * writing is a fenced compare-and-set against it (fenced-write.ts), so a deposed leader's write,
 * or one based on a read another leader has overtaken, fails instead of overwriting.
 */
import { ignoreNoNode } from './errors.js';
import { fencedWrite } from './fenced-write.js';
import type { LeaderToken } from './leader-election.js';
import type { ZkSession } from './zk-session.js';

export class FencedJsonNode<T> {
  /** Data version of the node after our last read or write (null: no node yet). */
  private version: number | null = null;

  constructor(
    private readonly session: ZkSession,
    readonly path: string,
  ) {}

  /** The stored value, or undefined when the node does not exist. */
  async read(): Promise<T | undefined> {
    const node = await ignoreNoNode(this.session.client.get(this.path));
    this.version = node?.version ?? null;
    return node === undefined ? undefined : (JSON.parse(node.data.toString('utf8')) as T);
  }

  /** Replaces the value; fails with ZK_FENCED once this process is no longer the leader. */
  async write(value: T, token: LeaderToken): Promise<void> {
    this.version = await fencedWrite(this.session.client, token, this.path, Buffer.from(JSON.stringify(value)), this.version);
  }
}
