/**
 * Promise wrappers around node-zookeeper-client for tests and the infra's readiness check.
 * The library has no request timeouts (a call queued while disconnected may never call back), so every
 * wrapper here has one.
 */
import zookeeper from 'node-zookeeper-client';
import type { Client, Event, Exception, Stat } from 'node-zookeeper-client';
import { withTimeout } from './net.js';

export type ZkClient = Client;
export type ZkEvent = Event;
export type ZkStat = Stat;
export const { CreateMode, Event: ZkEventType, Exception: ZkException } = zookeeper;

/** Application timeout for one ZooKeeper request. */
export const ZK_CALL_TIMEOUT_MS = 10_000;

export interface ZkConnectOptions {
  sessionTimeoutMs?: number;
  /** How long to wait for the session to be established. */
  connectTimeoutMs?: number;
}

/** Opens a session; rejects (and closes the client) if it is not connected in time. */
export async function connectZk(connect: string, options: ZkConnectOptions = {}): Promise<ZkClient> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
  const client = zookeeper.createClient(connect, {
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    spinDelay: 200,
    retries: 0, // retries would also retry `create`, duplicating sequential nodes
  });
  const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
  client.connect();
  try {
    await withTimeout(connected, connectTimeoutMs, `ZooKeeper session to ${connect} not established`);
    return client;
  } catch (error) {
    client.close();
    throw error;
  }
}

/** Closes the session and waits (bounded) until the socket is gone, so the server has ended the session. */
export async function closeZk(client: ZkClient, timeoutMs = 5_000): Promise<void> {
  const disconnected = new Promise<void>((resolve) => client.once('disconnected', () => resolve()));
  client.close();
  await withTimeout(disconnected, timeoutMs, 'ZooKeeper session did not close');
}

type ZkError = Error | Exception | null;
type Callback<T> = (error: ZkError, value: T) => void;

/** Turns one callback-style call into a promise with an application timeout. */
export function zkCall<T>(what: string, call: (done: Callback<T>) => void, timeoutMs = ZK_CALL_TIMEOUT_MS): Promise<T> {
  const result = new Promise<T>((resolve, reject) => {
    call((error, value) => (error ? reject(error) : resolve(value)));
  });
  return withTimeout(result, timeoutMs, `ZooKeeper ${what}`);
}

/** Creates a node; data must be a Buffer (the library silently drops string data). */
export function zkCreate(client: ZkClient, path: string, data: Buffer, mode: number = CreateMode.PERSISTENT): Promise<string> {
  return zkCall(`create ${path}`, (done) => client.create(path, data, mode, done));
}

export function zkMkdirp(client: ZkClient, path: string): Promise<string> {
  return zkCall(`mkdirp ${path}`, (done) => client.mkdirp(path, done));
}

export async function zkGetData(
  client: ZkClient,
  path: string,
  watcher?: (event: ZkEvent) => void,
): Promise<{ data: Buffer; stat: ZkStat }> {
  return zkCall(`getData ${path}`, (done) => {
    const callback = (error: ZkError, data: Buffer, stat: ZkStat): void => done(error, { data, stat });
    if (watcher === undefined) client.getData(path, callback);
    else client.getData(path, watcher, callback);
  });
}

export function zkSetData(client: ZkClient, path: string, data: Buffer, version = -1): Promise<ZkStat> {
  return zkCall(`setData ${path}`, (done) => client.setData(path, data, version, done));
}

/** The node's Stat, or null if it does not exist. A watcher may be set on a missing node. */
export function zkExists(client: ZkClient, path: string, watcher?: (event: ZkEvent) => void): Promise<ZkStat | null> {
  return zkCall(`exists ${path}`, (done: Callback<ZkStat | null>) => {
    if (watcher === undefined) client.exists(path, done);
    else client.exists(path, watcher, done);
  });
}

export function zkGetChildren(client: ZkClient, path: string, watcher?: (event: ZkEvent) => void): Promise<string[]> {
  return zkCall(`getChildren ${path}`, (done) => {
    const callback = (error: ZkError, children: string[]): void => done(error, children);
    if (watcher === undefined) client.getChildren(path, callback);
    else client.getChildren(path, watcher, callback);
  });
}

export function zkRemove(client: ZkClient, path: string, version = -1): Promise<void> {
  return zkCall(`remove ${path}`, (done: Callback<void>) => client.remove(path, version, (error) => done(error, undefined)));
}
