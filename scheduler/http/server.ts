/**
 * The scheduler's HTTP server: `GET /` (the dashboard), `GET /health` (200 while the process is
 * healthy, leader or standby, named in the body), `GET /api/v1/job`, `GET /metrics`,
 * `GET /api/v1/stores/<store>/<key>`, `POST /api/v1/rescale` and `DELETE /api/v1/job`. What each
 * answers is in routes.ts; this file matches requests to routes (paths may have `<parameters>`),
 * checks each route's token (shared/http/bearer-auth.ts: the read token for job data, the write
 * token for mutations), logs every mutation (who, what, the answer; never the token) and writes
 * the replies. HTTPS when given a certificate.
 */
import type http from 'node:http';
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { describeError, SluiceError } from '../../shared/errors.js';
import { createLogger } from '../../shared/log.js';
import { collectProcessMetrics } from '../../shared/metrics.js';
import type { SchedulerService } from '../scheduler-service.js';
import { bearerChallenge, decide, presentedToken, type Access, type ApiTokens, type Presented } from '../../shared/http/bearer-auth.js';
import { startLimitedServer, type HttpLimits, type ServerTls } from '../../shared/http/limited-server.js';
import type { ContainerStatusSource } from './job-state.js';
import { errorReply, json, pathParameters, ROUTES, type Reply, type RouteContext } from './routes.js';

export interface SchedulerHttpOptions {
  readonly port: number;
  readonly host?: string;
  /**
   * `write`: mutations need it (`Authorization: Bearer <token>`); `read`: job data (job state,
   * store queries, metrics) needs it or the write token. An unset one leaves its level open; a read
   * token without a write token is refused (it would lock reads and leave mutations open).
   */
  readonly tokens?: ApiTokens;
  /** Serve HTTPS with this certificate and key. */
  readonly tls?: ServerTls;
  /** The executors' reports by container id, merged into the job state (default: the leading framework's). */
  readonly containerStatus?: ContainerStatusSource;
  /** Timeouts against slow clients (default DEFAULT_HTTP_LIMITS: headers 10 s, request 30 s, keep-alive 5 s, idle 10 s). */
  readonly limits?: Partial<HttpLimits>;
}

export interface SchedulerHttp {
  readonly url: string;
  close(): Promise<void>;
}

const CHALLENGE = bearerChallenge('sluice-scheduler');

/** A rescale body is a few bytes; anything this large is not one. */
const MAX_BODY_BYTES = 16 * 1024;

export async function startSchedulerHttp(job: string, service: SchedulerService, options: SchedulerHttpOptions): Promise<SchedulerHttp> {
  collectProcessMetrics();
  const tokens = options.tokens ?? {};
  if (tokens.read && !tokens.write) {
    throw new SluiceError(
      'SCHEDULER_API_TOKENS',
      'a read token without a write token would leave rescale and kill open to anyone: give the write token too',
    );
  }
  const log = createLogger({ job, component: 'scheduler-http' });
  const containerReports = reportReader(
    job,
    options.containerStatus ?? (async () => (await service.framework?.containerReports()) ?? new Map()),
  );
  const host = options.host ?? '127.0.0.1';
  return startLimitedServer({ host, port: options.port, limits: options.limits, tls: options.tls }, (req, res) => {
    // Read now: once the connection is gone the request has no socket.
    const audit: Audit = { remote: req.socket.remoteAddress ?? 'unknown' };
    void respond(req, audit)
      .catch(errorReply)
      .then((reply) => {
        if (audit.mutation !== undefined) logMutation(audit.remote, audit.mutation, reply.status);
        if (res.headersSent || res.destroyed) return;
        res.writeHead(reply.status, { 'Content-Type': reply.type, 'Cache-Control': 'no-store', ...reply.headers });
        res.end(reply.body);
      });
  });

  /** One line per mutation asked for, allowed or not: who (address, token kind), what, the answer; winston adds when. */
  function logMutation(remote: string, mutation: { readonly what: string; readonly token: Presented }, status: number): void {
    const fields = { what: mutation.what, remote, token: mutation.token, status };
    if (status < 400) log.info('API mutation', fields);
    else log.warn('API mutation refused', fields);
  }

  async function respond(req: http.IncomingMessage, audit: Audit): Promise<Reply> {
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
    const presented = presentedToken(req.headers.authorization, tokens);
    if (route.access === 'write') audit.mutation = { what: `${method} ${path}`, token: presented };
    const decision = decide(route.access, presented, tokens);
    if (!decision.allowed) return refusal(decision.status, route.access, `${method} ${path}`);
    const body = route.method === 'GET' ? '' : await readBody(req);
    if (body === undefined) {
      // Closing the connection, so the rest of the body is not read.
      return { ...json(413, { error: `the request body is over ${MAX_BODY_BYTES} bytes` }), headers: { Connection: 'close' } };
    }
    const context: RouteContext = { job, service, containerReports, body, path };
    return route.handle(context);
  }
}

/** What the audit log needs to know of a request once it is answered. */
interface Audit {
  readonly remote: string;
  mutation?: { readonly what: string; readonly token: Presented };
}

/** 401 (no or an unknown token, with the Bearer challenge) or 403 (a read token on a mutation), saying what to send. */
function refusal(status: 401 | 403, access: Access, what: string): Reply {
  if (status === 403) {
    const error = `${what} changes the job and needs the write token; the token sent is the read token`;
    return json(403, { error });
  }
  const which = access === 'write' ? 'the write token' : 'the read token (or the write token)';
  const error = `${what} needs ${which}: send the header 'Authorization: Bearer <token>' (sluice: --token-file, --token or SLUICE_API_TOKEN)`;
  return { ...json(401, { error }), headers: { 'WWW-Authenticate': CHALLENGE } };
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
