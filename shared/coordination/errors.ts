import { SluiceError, type ErrorContext, type SluiceErrorOptions } from '../errors.js';

/**
 * ZooKeeper failures as SluiceErrors. Every error code of the server protocol is mapped in ONE
 * table (below) to a Sluice code, whether retrying can help, and whether the error is a reply from
 * the server, which proves the session was alive when the request was sent (the session lease in
 * zk-session.ts counts those). Sluice's own conditions (timeouts, fencing) have codes here too.
 */
export class ZkError extends SluiceError {
  /** The ZooKeeper error code (e.g. -101) when the server or the client library produced one. */
  readonly zkCode: number | undefined;

  constructor(code: string, message: string, options: SluiceErrorOptions & { zkCode?: number } = {}) {
    super(code, message, options);
    this.zkCode = options.zkCode;
  }
}

export interface ZkCodeInfo {
  readonly code: string;
  /** True when the same call may succeed later: on the same session, or on a new one for SESSION_EXPIRED. */
  readonly retriable: boolean;
  /** True when the server sent this reply: the session was alive when the request went out. */
  readonly reply: boolean;
  readonly meaning: string;
}

const info = (code: string, retriable: boolean, reply: boolean, meaning: string): ZkCodeInfo => ({
  code,
  retriable,
  reply,
  meaning,
});

/** The one table of ZooKeeper error codes (org.apache.zookeeper.KeeperException.Code). */
export const ZK_ERROR_CODES: ReadonlyMap<number, ZkCodeInfo> = new Map([
  [-1, info('ZK_SYSTEM_ERROR', false, true, 'system error')],
  [-2, info('ZK_RUNTIME_INCONSISTENCY', false, true, 'runtime inconsistency')],
  [-3, info('ZK_DATA_INCONSISTENCY', false, true, 'data inconsistency')],
  [-4, info('ZK_CONNECTION_LOSS', true, false, 'connection lost; the request may or may not have been applied')],
  [-5, info('ZK_MARSHALLING_ERROR', false, false, 'marshalling error')],
  [-6, info('ZK_UNIMPLEMENTED', false, true, 'operation not implemented by the server')],
  [-7, info('ZK_OPERATION_TIMEOUT', true, false, 'operation timed out in the server')],
  [-8, info('ZK_BAD_ARGUMENTS', false, true, 'bad arguments')],
  [-100, info('ZK_API_ERROR', false, true, 'API error')],
  [-101, info('ZK_NO_NODE', false, true, 'node does not exist')],
  [-102, info('ZK_NO_AUTH', false, true, 'not authorised (check the digest credentials)')],
  [-103, info('ZK_BAD_VERSION', false, true, 'version mismatch: the node changed since it was read')],
  [-108, info('ZK_NO_CHILDREN_FOR_EPHEMERALS', false, true, 'ephemeral nodes cannot have children')],
  [-110, info('ZK_NODE_EXISTS', false, true, 'node already exists')],
  [-111, info('ZK_NOT_EMPTY', false, true, 'node has children')],
  [-112, info('ZK_SESSION_EXPIRED', true, false, 'session expired; a new session is needed')],
  [-113, info('ZK_INVALID_CALLBACK', false, true, 'invalid callback')],
  [-114, info('ZK_INVALID_ACL', false, true, 'invalid ACL')],
  [-115, info('ZK_AUTH_FAILED', false, false, 'authentication failed')],
]);

/** Sluice's own coordination codes (not ZooKeeper protocol codes). */
export const ZkCodes = {
  timeout: 'ZK_TIMEOUT',
  unknown: 'ZK_UNKNOWN_ERROR',
  badArguments: 'ZK_BAD_ARGUMENTS',
  dataTooLarge: 'ZK_DATA_TOO_LARGE',
  unsafeVersion: 'ZK_UNSAFE_VERSION',
  closed: 'ZK_CLOSED',
  notLeader: 'ZK_NOT_LEADER',
  fenced: 'ZK_FENCED',
  corrupt: 'ZK_CORRUPT_DATA',
  badJobName: 'ZK_BAD_JOB_NAME',
  wrongAcl: 'ZK_WRONG_ACL',
  badCredentials: 'ZK_BAD_CREDENTIALS',
} as const;

/** The table entry of a ZooKeeper code, or an "unknown" entry for codes the table does not have. */
export function describeZkCode(zkCode: number): ZkCodeInfo {
  return ZK_ERROR_CODES.get(zkCode) ?? info(ZkCodes.unknown, false, false, `unknown ZooKeeper error ${zkCode}`);
}

/** The ZooKeeper code carried by a library exception, if it is one. */
function zkCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof error === 'object' && typeof code === 'number' ? code : undefined;
}

/** Wraps anything a ZooKeeper call failed with; `what` names the call, e.g. "create /sluice/a". */
export function toZkError(error: unknown, what: string, context: ErrorContext = {}): ZkError {
  if (error instanceof ZkError) return error;
  const zkCode = zkCodeOf(error);
  if (zkCode === undefined) {
    // The library asserts its arguments synchronously (path syntax, Buffer data, size).
    const detail = error instanceof Error ? error.message : String(error);
    return new ZkError(ZkCodes.badArguments, `ZooKeeper ${what} was refused by the client: ${detail}`, {
      cause: error,
      context,
    });
  }
  const entry = describeZkCode(zkCode);
  return new ZkError(entry.code, `ZooKeeper ${what} failed: ${entry.meaning}`, {
    retriable: entry.retriable,
    cause: error,
    context,
    zkCode,
  });
}

/** True when the error is a reply from the server (so the session was alive when the request went out). */
export function isServerReply(error: unknown): boolean {
  return error instanceof ZkError && error.zkCode !== undefined && describeZkCode(error.zkCode).reply;
}

/** True when `error` is a ZkError with this code (e.g. 'ZK_NO_NODE'). */
export function hasZkCode(error: unknown, code: string): boolean {
  return error instanceof ZkError && error.code === code;
}

/** The call's result, or undefined when it failed only because the node does not exist. */
export async function ignoreNoNode<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (hasZkCode(error, 'ZK_NO_NODE')) return undefined;
    throw error;
  }
}
