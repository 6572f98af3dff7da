/**
 * A container's own HTTP endpoint: `GET /status` (ContainerStatusReport: tasks, states, lag,
 * restore progress, processed count), `GET /metrics` (the process's prom-client registry, for
 * Prometheus) and `GET /stores/<store>/<key>?task=<task>` (one key of a task's store, see
 * store-query.ts). Its URL goes into the container's ZooKeeper registration, where the scheduler finds it.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { collectProcessMetrics, registry } from '../../shared/metrics.js';
import { describeError } from '../../shared/errors.js';
import { limitedServer, type HttpLimits } from '../../shared/http/limited-server.js';
import { answerStoreQuery, type StoreQueryTarget } from './store-query.js';

export interface StatusServer {
  readonly url: string;
  close(): Promise<void>;
}

const PATHS = ['/status', '/metrics', '/stores/<store>/<key>?task=<task>'];

type Reply = (status: number, type: string, body: string, headers?: Readonly<Record<string, string>>) => void;

export async function startStatusServer(
  report: () => ContainerStatusReport,
  listen: { readonly host: string; readonly port: number },
  /** What the container runs now, for store queries (none: every task is unknown here). */
  stores?: () => StoreQueryTarget,
  /** Timeouts against slow clients (default DEFAULT_HTTP_LIMITS: headers 10 s, request 30 s, keep-alive 5 s, idle 10 s). */
  limits?: Partial<HttpLimits>,
): Promise<StatusServer> {
  collectProcessMetrics();
  const server = limitedServer(limits, (req, res) => {
    const reply: Reply = (status, type, body, headers = {}) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { 'Content-Type': type, ...headers });
      res.end(body);
    };
    try {
      route(req, reply);
    } catch (error) {
      reply(500, 'application/json', JSON.stringify({ error: describeError(error) }));
    }
  });

  /** Answers one request (a throw becomes a 500). */
  function route(req: http.IncomingMessage, reply: Reply): void {
    const url = requestUrl(req.url ?? '/');
    if (url === undefined) {
      return reply(
        400,
        'application/json',
        JSON.stringify({ error: `the request target ${JSON.stringify(req.url)} is not a path starting with /` }),
      );
    }
    const path = url.pathname;
    if (req.method !== 'GET') {
      // The body (if any) is never read: the connection closes instead.
      const error = `${req.method} is not allowed on ${path}; allowed: GET`;
      return reply(405, 'application/json', JSON.stringify({ error }), { Allow: 'GET', Connection: 'close' });
    }
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
        return reply(
          400,
          'application/json',
          JSON.stringify({
            error: `the path ${path} is not validly percent-encoded (UTF-8; a store name or key with / or % in it is sent as %2F or %25)`,
          }),
        );
      }
      const target = stores?.() ?? { container: report().container, tasks: new Map(), model: undefined };
      answerStoreQuery(target, store, key, url.searchParams.get('task')).then(
        (answer) => reply(answer.status, 'application/json', JSON.stringify(answer.body)),
        (error: unknown) => reply(500, 'application/json', JSON.stringify({ error: describeError(error) })),
      );
      return;
    }
    reply(404, 'application/json', JSON.stringify({ error: `no such path: ${path}`, paths: PATHS }));
  }
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

/** The request target as a URL (dot segments resolved; a `//` never names a host), or undefined when it is not a path. */
function requestUrl(target: string): URL | undefined {
  if (!target.startsWith('/')) return undefined;
  try {
    return new URL(`http://container${target}`);
  } catch {
    return undefined;
  }
}
