/**
 * Where the leading Mesos master is. `--master` is either a fixed `http(s)://host:port` or
 * `zk://h1:p1,h2:p2/mesos`: every master registers an ephemeral sequential znode
 * `<path>/json.info_<seq>` holding its JSON MasterInfo and the smallest sequence leads. The
 * answer is read again on every (re)subscribe, since the leader changes when a master fails.
 */
import type { MasterInfo } from '../../shared/mesos/index.js';
import { ZkClient } from '../../shared/coordination/zk-client.js';
import { describeError } from '../../shared/errors.js';
import { SchedulerError } from './errors.js';

export type MasterAddress =
  { readonly kind: 'http'; readonly url: string } | { readonly kind: 'zk'; readonly connect: string; readonly path: string };

const INFO_PREFIX = 'json.info_';

export function parseMasterAddress(master: string): MasterAddress {
  const zk = /^zk:\/\/([^/]+)(\/.*)$/.exec(master);
  if (zk !== null) return { kind: 'zk', connect: zk[1] as string, path: (zk[2] as string).replace(/\/+$/, '') || '/' };
  const http = /^(https?:\/\/[^/]+)\/?$/.exec(master);
  if (http !== null) return { kind: 'http', url: http[1] as string };
  throw new SchedulerError('SCHEDULER_BAD_MASTER', `--master '${master}' must be http://host:port or zk://host:port[,host:port]/path`);
}

/** The znode of the leading master: the smallest json.info_ sequence, or undefined if none. */
export function leadingMasterNode(children: readonly string[]): string | undefined {
  const infos = children.filter((child) => child.startsWith(INFO_PREFIX) && /^\d+$/.test(child.slice(INFO_PREFIX.length)));
  return infos.sort((a, b) => Number(a.slice(INFO_PREFIX.length)) - Number(b.slice(INFO_PREFIX.length)))[0];
}

/** `http://host:port` of a MasterInfo; `address` wins over the legacy `hostname`/`port` fields. */
export function masterUrlOf(info: MasterInfo): string {
  const host = info.address?.hostname ?? info.address?.ip ?? info.hostname;
  const port = info.address?.port ?? info.port;
  if (host === undefined || port === undefined) {
    throw new SchedulerError('SCHEDULER_NO_MASTER', `the master's MasterInfo has no address: ${JSON.stringify(info)}`);
  }
  return `http://${host}:${port}`;
}

/** Reads the current leader's URL (for zk:// once per call, with its own short ZooKeeper session). */
export async function resolveMaster(address: MasterAddress, timeoutMs = 10_000): Promise<string> {
  if (address.kind === 'http') return address.url;
  const client = new ZkClient({ connect: address.connect, sessionTimeoutMs: timeoutMs, callTimeoutMs: timeoutMs });
  try {
    const children = await client.getChildren(address.path);
    const node = leadingMasterNode(children);
    if (node === undefined)
      throw new SchedulerError('SCHEDULER_NO_MASTER', `no Mesos master registered under zk://${address.connect}${address.path}`);
    const data = await client.get(`${address.path}/${node}`);
    let info: MasterInfo;
    try {
      info = JSON.parse(data.data.toString('utf8')) as MasterInfo;
    } catch (error) {
      throw new SchedulerError('SCHEDULER_NO_MASTER', `${address.path}/${node} does not hold JSON MasterInfo: ${describeError(error)}`);
    }
    return masterUrlOf(info);
  } finally {
    await client.close();
  }
}
