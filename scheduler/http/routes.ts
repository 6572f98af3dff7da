/**
 * The scheduler API as a table: each route names its method and path, the token it needs (none,
 * read: it shows job data, write: it changes the job and needs a leading scheduler), and its handler.
 * server.ts does the HTTP; this file only decides the answers.
 */
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { describeError, isSluiceError } from '../../shared/errors.js';
import { registry } from '../../shared/metrics.js';
import type { Framework } from '../framework/framework.js';
import type { SchedulerService } from '../scheduler-service.js';
import type { Access } from '../../shared/http/bearer-auth.js';
import { DASHBOARD_FILES, DASHBOARD_POLICY } from './dashboard.js';
import { jobState } from './job-state.js';
import { queryStore, registeredUrls } from './store-query.js';

export interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteContext {
  readonly job: string;
  readonly service: SchedulerService;
  /** The executors' latest reports by container id (none when they cannot be read). */
  containerReports(): Promise<ReadonlyMap<string, ContainerStatusReport>>;
  /** The request body, read only for routes that take one. */
  readonly body: string;
  /** The request's path (its `<parameters>` are read with `pathParameters`). */
  readonly path: string;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Exact, or with `<name>` segments; a last `<name>` takes the rest of the path, slashes included. */
  readonly path: string;
  /** open: health and the dashboard's files; read: job data; write: changes the job (and needs a leading scheduler). */
  readonly access: Access;
  handle(context: RouteContext): Promise<Reply>;
}

export function json(status: number, value: unknown): Reply {
  return { status, type: 'application/json', body: JSON.stringify(value) };
}

/** Errors of the framework that are the request's fault or the leadership's, not the server's. */
const ERROR_STATUS: Readonly<Record<string, number>> = {
  MODEL_TOO_MANY_CONTAINERS: 400,
  MODEL_CONTAINER_COUNT_INVALID: 400,
  ZK_NOT_LEADER: 503,
  ZK_FENCED: 503,
  SCHEDULER_NOT_SUBSCRIBED: 503,
};

export function errorReply(error: unknown): Reply {
  const code = isSluiceError(error) ? error.code : undefined;
  return json((code === undefined ? undefined : ERROR_STATUS[code]) ?? 500, { error: describeError(error), ...(code ? { code } : {}) });
}

/** An interactive store query, answered by the container that owns the key (store-query.ts). */
const STORE_QUERY_PATH = '/api/v1/stores/<store>/<key>';

export const ROUTES: readonly Route[] = [
  ...[...DASHBOARD_FILES].map(([path, file]): Route => ({
    method: 'GET',
    path,
    // The page and its script hold no job data; its script asks for the token when the API wants one.
    access: 'open',
    handle: async () => ({ status: 200, type: file.type, body: file.body, headers: { 'Content-Security-Policy': DASHBOARD_POLICY } }),
  })),
  {
    method: 'GET',
    path: '/health',
    // Marathon's health check carries no token.
    access: 'open',
    // Cheap on purpose (Marathon asks every few seconds): no ZooKeeper read here.
    handle: async ({ service }) =>
      json(service.session.state === 'closed' ? 503 : 200, { status: 'ok', role: service.role, zookeeper: service.session.state }),
  },
  {
    method: 'GET',
    path: '/api/v1/job',
    access: 'read',
    handle: async ({ job, service, containerReports }) =>
      json(
        200,
        service.role === 'leader'
          ? jobState(job, service, await containerReports())
          : { ...jobState(job, service), ...(await leaderHint(service)) },
      ),
  },
  {
    method: 'GET',
    path: '/metrics',
    access: 'read',
    handle: async () => ({ status: 200, type: registry.contentType, body: await registry.metrics() }),
  },
  {
    method: 'GET',
    path: STORE_QUERY_PATH,
    access: 'read',
    handle: async ({ job, service, path }) => {
      const parameters = decodedParameters(STORE_QUERY_PATH, path);
      if (typeof parameters === 'string') return json(400, { error: parameters });
      const { store = '', key = '' } = parameters;
      return leading(service, async (framework) => {
        const model = framework.currentModel();
        if (model === undefined) return json(503, { error: 'the framework has not planned the job model yet; retry shortly' });
        const answer = await queryStore(
          {
            job,
            jobModel: model.jobModel,
            stores: model.config.stores,
            containerApi: framework.containerApi,
            containerUrls: () => registeredUrls(service.session, job),
          },
          store,
          key,
        );
        return { ...json(answer.status, answer.body), ...(answer.headers ? { headers: answer.headers } : {}) };
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/rescale',
    access: 'write',
    handle: async ({ job, service, body }) => {
      const containers = containerCount(body);
      if (typeof containers === 'string') return json(400, { error: containers });
      return leading(service, async (framework) => {
        await framework.rescale(containers);
        return json(200, { job, containers, jobModelVersion: framework.status().jobModelVersion ?? null });
      });
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/job',
    access: 'write',
    handle: async ({ job, service }) =>
      leading(service, async (framework) => {
        await framework.remove();
        return json(200, { job, removed: true });
      }),
  },
];

/**
 * The raw `<name>` segments of `path` when it matches `pattern` (exact segments equal, each
 * parameter non-empty; a last parameter takes the rest), or undefined when it does not match.
 */
export function pathParameters(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.split('/');
  const nameOf = (segment: string) => /^<(\w+)>$/.exec(segment)?.[1];
  const takesRest = nameOf(want[want.length - 1] ?? '') !== undefined;
  if (takesRest ? have.length < want.length : have.length !== want.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, segment] of want.entries()) {
    const name = nameOf(segment);
    const value = takesRest && index === want.length - 1 ? have.slice(index).join('/') : (have[index] as string);
    if (name === undefined ? value !== segment : value === '') return undefined;
    if (name !== undefined) parameters[name] = value;
  }
  return parameters;
}

/** The path's parameters, percent-decoded, or what is wrong with them. */
function decodedParameters(pattern: string, path: string): Record<string, string> | string {
  const raw = pathParameters(pattern, path) ?? {};
  try {
    return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, decodeURIComponent(value)]));
  } catch {
    return `the path ${path} is not validly percent-encoded (a key with / or % in it is sent as %2F or %25)`;
  }
}

/** Runs `act` on the framework when this process leads; a standby answers 503, naming the leader's API when it is known. */
async function leading(service: SchedulerService, act: (framework: Framework) => Promise<Reply>): Promise<Reply> {
  const framework = service.framework;
  if (service.role !== 'leader' || framework === undefined) {
    const hint = await leaderHint(service);
    const where =
      hint.leaderApi === undefined
        ? 'the leading scheduler of the job (its /health says "role": "leader")'
        : `the leading scheduler at ${hint.leaderApi}`;
    return json(503, { error: `this scheduler is a standby; send the request to ${where}`, role: 'standby', ...hint });
  }
  return act(framework).catch(errorReply);
}

/** `{leaderApi}` when the leader advertised its API, else nothing. */
async function leaderHint(service: SchedulerService): Promise<{ leaderApi?: string }> {
  const leaderApi = await service.leaderApi();
  return leaderApi === undefined ? {} : { leaderApi };
}

/** The `containers` of a rescale body, or what is wrong with the body. */
function containerCount(body: string): number | string {
  const expected = 'expected a JSON body like {"containers": 3}, with a whole number of containers ≥ 1';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `the body is not JSON; ${expected}`;
  }
  const containers = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).containers : undefined;
  if (typeof containers !== 'number' || !Number.isSafeInteger(containers) || containers < 1)
    return `containers is ${JSON.stringify(containers) ?? 'missing'}; ${expected}`;
  return containers;
}
