/**
 * `GET /api/v1/stores/<store>/<key>`, an interactive store query (like Kafka Streams'): the
 * scheduler finds the task that holds the key (framework/key-owners.ts), the container the job
 * model gives that task and the URL that container registered in ZooKeeper, asks it
 * (`GET <url>/stores/<store>/<key>?task=<task>`, executor/http/store-query.ts) and returns its
 * answer with `container` and `task` added. The container reads the store as its task sees it.
 */
import type { CompiledJobConfig } from '../../shared/config/job-config.js';
import { ContainerRegistry } from '../../shared/coordination/container-registry.js';
import type { ZkSession } from '../../shared/coordination/zk-session.js';
import { describeError, isSluiceError } from '../../shared/errors.js';
import type { JobModel } from '../../shared/model/job-model.js';
import { httpRequest, type ApiAccess } from '../../shared/http/http-request.js';
import { keyOwners, storeKeyBytes, type KeyOwner } from '../framework/key-owners.js';

export interface StoreQueryInput {
  readonly job: string;
  readonly jobModel: JobModel;
  readonly stores: CompiledJobConfig['stores'];
  /** The live containers' status URLs by container id (the container registry). */
  containerUrls(): Promise<ReadonlyMap<string, string | null>>;
  /** The CA of the containers' certificates and the read token their endpoints need. */
  readonly containerApi: ApiAccess;
  /** How long a container may take to answer (default 5 s). */
  readonly timeoutMs?: number;
}

export interface StoreQueryAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a container's 404 says when it does not run the task (executor/http/store-query.ts). */
const TASK_NOT_HERE = 'QUERY_TASK_NOT_HERE';
const RETRY = { 'Retry-After': '1' };

export async function queryStore(input: StoreQueryInput, store: string, key: string): Promise<StoreQueryAnswer> {
  const spec = input.stores[store];
  if (spec === undefined) {
    const stores = Object.keys(input.stores).sort();
    const known = stores.length === 0 ? 'it has no stores' : `its stores: ${stores.join(', ')}`;
    return {
      status: 404,
      body: { error: `job '${input.job}' has no store '${store}'; ${known}`, code: 'QUERY_STORE_UNKNOWN', store, stores },
    };
  }
  let bytes: Buffer;
  try {
    bytes = storeKeyBytes(spec['key-serde'], key, store);
  } catch (error) {
    const code = isSluiceError(error) ? error.code : undefined;
    return {
      status: code === 'QUERY_KEY_SERDE_UNSUPPORTED' ? 501 : 400,
      body: { error: describeError(error), ...(code ? { code } : {}), store, key },
    };
  }
  const owners = keyOwners(input.jobModel, bytes);
  if (owners.length === 0) {
    return {
      status: 503,
      body: { error: `job model version ${input.jobModel.version} has no task for key '${key}'`, code: 'QUERY_NO_TASK', store, key },
      headers: RETRY,
    };
  }
  let urls: ReadonlyMap<string, string | null>;
  try {
    urls = await input.containerUrls();
  } catch (error) {
    return {
      status: 503,
      body: {
        error: `the container registry cannot be read: ${describeError(error)}; retry shortly`,
        code: 'QUERY_REGISTRY_UNAVAILABLE',
        store,
        key,
      },
      headers: RETRY,
    };
  }
  const answers: StoreQueryAnswer[] = [];
  for (const owner of owners) {
    const answer = await ask(input, owner, urls.get(owner.container) ?? null, store, key);
    if (answer.status === 200) return answer;
    answers.push(answer);
  }
  // Under the ssp grouper a key may be in several tasks: one that could not answer may hold it.
  return answers.find((answer) => answer.status !== 404) ?? (answers[0] as StoreQueryAnswer);
}

/** Asks the container of `owner` for the key. */
async function ask(input: StoreQueryInput, owner: KeyOwner, url: string | null, store: string, key: string): Promise<StoreQueryAnswer> {
  const { container, task } = owner;
  if (url === null) {
    const error = `container ${container}, which runs task '${task}', is not registered (starting, moving or down); retry shortly`;
    return { status: 503, body: { error, code: 'QUERY_CONTAINER_UNAVAILABLE', store, key, container, task }, headers: RETRY };
  }
  const target = `${url}/stores/${encodeURIComponent(store)}/${encodeURIComponent(key)}?task=${encodeURIComponent(task)}`;
  let status: number;
  let body: unknown;
  try {
    const answer = await httpRequest(target, { ...input.containerApi, timeoutMs: input.timeoutMs ?? 5_000 });
    status = answer.status;
    body = JSON.parse(answer.text);
  } catch (error) {
    const reason = describeError(error);
    return {
      status: 502,
      body: {
        error: `container ${container} (${url}) did not answer the query for task '${task}': ${reason}`,
        code: 'QUERY_CONTAINER_UNREACHABLE',
        store,
        key,
        container,
        task,
      },
    };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      status: 502,
      body: {
        error: `container ${container} (${url}) answered ${status} without a JSON object`,
        code: 'QUERY_CONTAINER_UNREACHABLE',
        store,
        key,
        container,
        task,
      },
    };
  }
  const answer = body as Record<string, unknown>;
  if (status === 401 || status === 403) {
    // Not the client's token: the one the scheduler sent on its behalf.
    const error = `container ${container} (${url}) refused the scheduler's read token (HTTP ${status}): the scheduler's --read-token-file and the job config's api.read-token-file must hold the same token`;
    return { status: 502, body: { error, code: 'QUERY_CONTAINER_REFUSED', store, key, container, task } };
  }
  if (status === 404 && answer.code === TASK_NOT_HERE) {
    // The job model moved the task and the hand-over is not done yet (or we read an older model).
    const error = `task '${task}' is moving: container ${container} does not run it yet (${String(answer.error)}); retry shortly`;
    return { status: 503, body: { ...answer, error, container, task }, headers: RETRY };
  }
  return { status, body: { ...answer, container, task } };
}

/** The status URLs the live containers registered, by container id. */
export async function registeredUrls(session: ZkSession, job: string): Promise<Map<string, string | null>> {
  return new Map((await new ContainerRegistry(session, job).list()).map(({ id, url }) => [id, url]));
}
