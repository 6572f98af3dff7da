/**
 * The scheduler's HTTP server: `GET /` (the dashboard), `GET /health` (200 while the process is
 * healthy, leader or standby, named in the body), `GET /api/v1/job`, `GET /metrics`,
 * `GET /api/v1/stores/<store>/<key>`, `POST /api/v1/rescale` and `DELETE /api/v1/job`. What each
 * answers is in routes.ts; this file matches requests to routes (paths may have `<parameters>`),
 * checks the token of mutations and writes the replies.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { describeError } from '../../shared/errors.js';
import { createLogger } from '../../shared/log.js';
import { collectProcessMetrics } from '../../shared/metrics.js';
import type { SchedulerService } from '../scheduler-service.js';
import { BEARER_CHALLENGE, bearerAuthorized } from './auth.js';
import { limitedServer, type HttpLimits } from '../../shared/http/limited-server.js';
import type { ContainerStatusSource } from './job-state.js';
import { errorReply, json, pathParameters, ROUTES, type Reply, type RouteContext } from './routes.js';

export interface SchedulerHttpOptions {
  readonly port: number;
  readonly host?: string;
  /** When set (non-empty), mutations need `Authorization: Bearer <token>`; reads stay open. */
  readonly token?: string;
  /** The executors' reports by container id, merged into the job state (default: the leading framework's). */
  readonly containerStatus?: ContainerStatusSource;
  /** Timeouts against slow clients (default DEFAULT_HTTP_LIMITS: headers 10 s, request 30 s, keep-alive 5 s, idle 10 s). */
  readonly limits?: Partial<HttpLimits>;
}

export interface SchedulerHttp {
  readonly url: string;
  close(): Promise<void>;
}

/** A rescale body is a few bytes; anything this large is not one. */
const MAX_BODY_BYTES = 16 * 1024;

export async function startSchedulerHttp(job: string, service: SchedulerService, options: SchedulerHttpOptions): Promise<SchedulerHttp> {
  collectProcessMetrics();
  const token = options.token === '' ? undefined : options.token;
  const containerReports = reportReader(
    job,
    options.containerStatus ?? (async () => (await service.framework?.containerReports()) ?? new Map()),
  );
  const server = limitedServer(options.limits, (req, res) => {
    void respond(req).then(
      (reply) => {
        res.writeHead(reply.status, { 'Content-Type': reply.type, 'Cache-Control': 'no-store', ...reply.headers });
        res.end(reply.body);
      },
      (error: unknown) => {
        if (res.headersSent || res.destroyed) return;
        const reply = errorReply(error);
        res.writeHead(reply.status, { 'Content-Type': reply.type });
        res.end(reply.body);
      },
    );
  });

  async function respond(req: http.IncomingMessage): Promise<Reply> {
    const method = req.method ?? 'GET';
    const path = requestPath(req.url ?? '/');
    if (path === undefined) return json(400, { error: `the request target ${JSON.stringify(req.url)} is not a path starting with /` });
    const routes = ROUTES.filter((route) => pathParameters(route.path, path) !== undefined);
    const route = routes.find((candidate) => candidate.method === method);
    if (routes.length === 0) return json(404, { error: `no such path: ${path}`, paths: [...new Set(ROUTES.map((r) => r.path))] });
    if (route === undefined) {
      const allowed = routes.map((r) => r.method).join(', ');
      return { ...json(405, { error: `${method} is not allowed on ${path}; allowed: ${allowed}` }), headers: { Allow: allowed } };
    }
    if (route.mutates && token !== undefined && !bearerAuthorized(req.headers.authorization, token)) {
      const error = `${method} ${path} needs the API token: send the header 'Authorization: Bearer <token>' (sluice: --token or SLUICE_API_TOKEN)`;
      return { ...json(401, { error }), headers: { 'WWW-Authenticate': BEARER_CHALLENGE } };
    }
    const body = route.method === 'GET' ? '' : await readBody(req);
    if (body === undefined) {
      // Closing the connection, so the rest of the body is not read.
      return { ...json(413, { error: `the request body is over ${MAX_BODY_BYTES} bytes` }), headers: { Connection: 'close' } };
    }
    const context: RouteContext = { job, service, containerReports, body, path };
    return route.handle(context);
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The request target's path (dot segments resolved, still percent-encoded), or undefined when it is
 * not one (`*`, `http://host/…`, or one the URL parser refuses). A `//` stays in the path: it never names a host.
 */
function requestPath(target: string): string | undefined {
  if (!target.startsWith('/')) return undefined;
  try {
    return new URL(`http://scheduler${target}`).pathname;
  } catch {
    return undefined;
  }
}

/** The body as text, or undefined when it is over MAX_BODY_BYTES (the rest is not read). */
async function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reports this fresh are reused: however many pages and CLIs poll, each executor is asked about once a second. */
const REPORTS_MAX_AGE_MS = 1_000;

/**
 * Reads the executors' reports, sharing one read among concurrent callers and reusing it for
 * REPORTS_MAX_AGE_MS. When the source fails the job view goes on without them (the page shows
 * "—"), and each distinct failure is logged once, not on every poll.
 */
function reportReader(job: string, source: ContainerStatusSource): () => Promise<ReadonlyMap<string, ContainerStatusReport>> {
  const log = createLogger({ job, component: 'scheduler-http' });
  let lastFailure: string | undefined;
  let recent: { readonly at: number; readonly reports: ReadonlyMap<string, ContainerStatusReport> } | undefined;
  let reading: Promise<ReadonlyMap<string, ContainerStatusReport>> | undefined;
  const read = async (): Promise<ReadonlyMap<string, ContainerStatusReport>> => {
    try {
      const reports = await source();
      lastFailure = undefined;
      recent = { at: Date.now(), reports };
      return reports;
    } catch (error) {
      const reason = describeError(error);
      if (reason !== lastFailure) log.warn('container status reports cannot be read; the job view shows none', { error: reason });
      lastFailure = reason;
      return new Map();
    }
  };
  return () => {
    if (recent !== undefined && Date.now() - recent.at < REPORTS_MAX_AGE_MS) return Promise.resolve(recent.reports);
    // Cleared once settled, in a later tick: also when the source fails at once.
    reading ??= read().finally(() => (reading = undefined));
    return reading;
  };
}
