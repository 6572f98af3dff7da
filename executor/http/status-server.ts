/**
 * A container's own HTTP endpoint: `GET /status` (ContainerStatusReport: tasks, states, lag,
 * restore progress, processed count), `GET /metrics` (the process's prom-client registry, for
 * Prometheus) and `GET /stores/<store>/<key>?task=<task>` (one key of a task's store, see
 * store-query.ts). Its URL goes into the container's ZooKeeper registration, where the scheduler finds it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { collectProcessMetrics, registry } from '../../shared/metrics.js';
import { answerStoreQuery, type StoreQueryTarget } from './store-query.js';

export interface StatusServer {
  readonly url: string;
  close(): Promise<void>;
}

const PATHS = ['/status', '/metrics', '/stores/<store>/<key>?task=<task>'];

export async function startStatusServer(
  report: () => ContainerStatusReport,
  listen: { readonly host: string; readonly port: number },
  /** What the container runs now, for store queries (none: every task is unknown here). */
  stores?: () => StoreQueryTarget,
): Promise<StatusServer> {
  collectProcessMetrics();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://container');
    const path = url.pathname;
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return reply(405, 'application/json', JSON.stringify({ error: `${req.method} is not allowed` }));
    if (path === '/status') return reply(200, 'application/json', JSON.stringify(report()));
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => reply(200, registry.contentType, text),
        (error: unknown) => reply(500, 'text/plain', String(error)),
      );
      return;
    }
    const query = /^\/stores\/([^/]+)\/(.+)$/.exec(path);
    if (query !== null) {
      let store: string;
      let key: string;
      try {
        [store, key] = [decodeURIComponent(query[1] as string), decodeURIComponent(query[2] as string)];
      } catch {
        return reply(400, 'application/json', JSON.stringify({ error: `the path ${path} is not validly percent-encoded` }));
      }
      const target = stores?.() ?? { container: report().container, tasks: new Map(), model: undefined };
      answerStoreQuery(target, store, key, url.searchParams.get('task')).then(
        (answer) => reply(answer.status, 'application/json', JSON.stringify(answer.body)),
        (error: unknown) => reply(500, 'application/json', JSON.stringify({ error: String(error) })),
      );
      return;
    }
    reply(404, 'application/json', JSON.stringify({ error: `no such path: ${path}`, paths: PATHS }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listen.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
