/**
 * A container's own HTTP endpoint: `GET /status` (ContainerStatusReport: tasks, states, lag,
 * restore progress, processed count), `GET /metrics` (the process's prom-client registry, for
 * Prometheus) and `GET /stores/<store>/<key>?task=<task>` (one key of a task's store, see
 * store-query.ts). Its URL goes into the container's ZooKeeper registration, where the scheduler finds it.
 * With the job's `api` section it serves HTTPS and every path needs the job's read token (the
 * scheduler sends it); both are read from files on the agent (shared/http/secret-files.ts).
 */
import type http from 'node:http';
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { collectProcessMetrics, registry } from '../../shared/metrics.js';
import { describeError } from '../../shared/errors.js';
import { bearerChallenge, decide, presentedToken } from '../../shared/http/bearer-auth.js';
import { startLimitedServer, type HttpLimits } from '../../shared/http/limited-server.js';
import type { ContainerApiSecurity } from '../../shared/http/secret-files.js';
import { answerStoreQuery, type StoreQueryTarget } from './store-query.js';

export interface StatusServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Where the endpoint listens, and how it is secured (none: plain HTTP, open). */
export interface StatusListen {
  readonly host: string;
  readonly port: number;
  readonly security?: ContainerApiSecurity;
}

const CHALLENGE = bearerChallenge('sluice-container');

const PATHS = ['/status', '/metrics', '/stores/<store>/<key>?task=<task>'];

type Reply = (status: number, type: string, body: string, headers?: Readonly<Record<string, string>>) => void;

export async function startStatusServer(
  report: () => ContainerStatusReport,
  listen: StatusListen,
  /** What the container runs now, for store queries (none: every task is unknown here). */
  stores?: () => StoreQueryTarget,
  /** Timeouts against slow clients (default DEFAULT_HTTP_LIMITS: headers 10 s, request 30 s, keep-alive 5 s, idle 10 s). */
  limits?: Partial<HttpLimits>,
): Promise<StatusServer> {
  collectProcessMetrics();
  const tokens = { read: listen.security?.readToken };
  const serve = { host: listen.host, port: listen.port, limits, tls: listen.security?.tls };
  return startLimitedServer(serve, (req, res) => {
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
    // Every path shows job data: the read token before anything else, also before a 404 or 405.
    if (!decide('read', presentedToken(req.headers.authorization, tokens), tokens).allowed) {
      const error = `${path} needs the job's read token: send the header 'Authorization: Bearer <token>' (the token in api.read-token-file)`;
      // A body is never read: the connection closes instead.
      return reply(401, 'application/json', JSON.stringify({ error }), { 'WWW-Authenticate': CHALLENGE, Connection: 'close' });
    }
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
