import zookeeper from 'node-zookeeper-client';
import { ZkCodes, ZkError } from './errors.js';

/**
 * The value types of the ZooKeeper wrapper (zk-client.ts) and the conversions from the library's
 * shapes: stats with plain numbers, watch events by name, multi ops, and the argument checks that
 * stop the library's silent failures (oversized data, version 0 in a multi).
 */
export type CreateMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential';

export const CREATE_MODES: Record<CreateMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  'persistent-sequential': zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  'ephemeral-sequential': zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

/** The server drops a request packet over 1 MiB (jute.maxbuffer) with CONNECTION_LOSS; stay well under. */
export const MAX_NODE_BYTES = 1_000_000;

export interface NodeStat {
  /** Data version: the compare-and-set token for setData and remove. */
  readonly version: number;
  /** Children version: bumped by every child create or delete. */
  readonly cversion: number;
  /** Hex session id of the owner of an ephemeral node; null for a persistent node. */
  readonly ephemeralOwner: string | null;
  readonly numChildren: number;
  /** The zxid of the transaction that created the node: ZooKeeper orders every creation by it. */
  readonly czxid: bigint;
}

export interface NodeData {
  readonly data: Buffer;
  readonly version: number;
  readonly stat: NodeStat;
}

export type WatchEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';
export interface WatchEvent {
  readonly type: WatchEventType;
  readonly path: string;
}
/** A one-shot watch: called at most once, on the next change; lost (never called) if the session expires. */
export type Watcher = (event: WatchEvent) => void;

export const WATCH_TYPES: Record<number, WatchEventType> = {
  [zookeeper.Event.NODE_CREATED]: 'created',
  [zookeeper.Event.NODE_DELETED]: 'deleted',
  [zookeeper.Event.NODE_DATA_CHANGED]: 'dataChanged',
  [zookeeper.Event.NODE_CHILDREN_CHANGED]: 'childrenChanged',
};

/** One operation of an atomic multi; `version` -1 means any version (for check: "exists"). */
export type MultiOp =
  | { readonly op: 'check'; readonly path: string; readonly version: number }
  | { readonly op: 'create'; readonly path: string; readonly data: Buffer; readonly mode?: CreateMode }
  | { readonly op: 'setData'; readonly path: string; readonly data: Buffer; readonly version: number }
  | { readonly op: 'remove'; readonly path: string; readonly version: number };

export interface MultiResult {
  /** The created path (create) or undefined. */
  readonly path?: string;
  /** The new data version (setData) or undefined. */
  readonly version?: number;
}

export function toNodeStat(stat: zookeeper.Stat): NodeStat {
  const owner = stat.ephemeralOwner.toString('hex');
  return {
    version: stat.version,
    cversion: stat.cversion,
    ephemeralOwner: /^0+$/.test(owner) ? null : owner,
    numChildren: stat.numChildren,
    czxid: stat.czxid.readBigInt64BE(0),
  };
}

export function checkData(data: Buffer, path: string): void {
  if (!Buffer.isBuffer(data)) throw new ZkError(ZkCodes.badArguments, `data for ${path} must be a Buffer`, { context: { path } });
  if (data.length > MAX_NODE_BYTES) {
    const message = `data for ${path} is ${data.length} bytes; ZooKeeper nodes hold at most ${MAX_NODE_BYTES} here`;
    throw new ZkError(ZkCodes.dataTooLarge, message, { context: { path } });
  }
}

/**
 * Version 0 inside a multi is sent as -1 ("any version") by the library (`version || -1`), which
 * would silently unfence the write. Refuse it; callers keep fenced nodes past version 0.
 */
export function checkMultiVersion(op: MultiOp): void {
  if (op.op !== 'create' && op.version === 0) {
    const message = `a multi ${op.op} of ${op.path} at version 0 would not be checked (node-zookeeper-client sends 0 as -1)`;
    throw new ZkError(ZkCodes.unsafeVersion, message, { context: { path: op.path } });
  }
}
