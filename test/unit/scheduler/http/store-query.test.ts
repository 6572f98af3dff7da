/**
 * The scheduler's store queries: the key routed to its task and container, and the container's
 * answer proxied — against a real container status server over memory stores (no ZooKeeper: the
 * registry's URLs are given).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { builtInSerdes } from '../../../../shared/api/serdes.js';
import { compileJobConfig } from '../../../../shared/config/job-config.js';
import { partitionForKey } from '../../../../shared/kafka/partitioner.js';
import { planJobModel } from '../../../../shared/model/plan-job-model.js';
import { TaskInstance, type TaskInstanceOptions } from '../../../../executor/container/task-instance.js';
import { startStatusServer, type StatusListen } from '../../../../executor/http/status-server.js';
import { tlsFiles } from '../../../infra/tls-files.js';
import { queryableTasks } from '../../../../executor/http/store-query.js';
import type { LocalStore } from '../../../../executor/store/local-store.js';
import { pathParameters } from '../../../../scheduler/http/routes.js';
import { startSchedulerHttp } from '../../../../scheduler/http/server.js';
import { queryStore, type StoreQueryInput } from '../../../../scheduler/http/store-query.js';
import type { SchedulerService } from '../../../../scheduler/scheduler-service.js';
import { memoryStore } from '../../store/store-fixture.js';

const CONFIG = compileJobConfig(
  {
    job: { name: 'wc', module: './wc.ts' },
    inputs: [{ topic: 'words' }],
    stores: {
      counts: { engine: 'memory' },
      ids: { engine: 'memory', 'key-serde': 'int32' },
      users: { engine: 'memory', 'key-serde': 'avro-user' },
    },
  },
  '/tmp/wc.json',
);
const MODEL = planJobModel(undefined, [{ system: 'kafka', topic: 'words', partitionCount: 4 }], { job: 'wc', containerCount: 2 });
const containerOf = (task: string) => MODEL.containers.find((container) => container.tasks.some((t) => t.name === task))?.id as string;
const taskOf = (word: string) => `Partition ${partitionForKey(4, Buffer.from(word))}`;

/** The words' counts in the tasks that own them, served by one status server per container of MODEL. */
async function containers(
  t: TestContext,
  counts: Record<string, number>,
  options: { skip?: string; security?: StatusListen['security'] } = {},
): Promise<Map<string, string>> {
  const urls = new Map<string, string>();
  for (const container of MODEL.containers) {
    const tasks = await Promise.all(
      container.tasks.map(async ({ name }) => {
        const store = memoryStore<string, unknown>({ valueSerde: builtInSerdes.json }).store;
        for (const [word, count] of Object.entries(counts)) if (taskOf(word) === name) await store.api.put(word, count);
        const options = {
          name,
          ssps: [],
          stores: new Map([['counts', store as LocalStore]]),
          labels: { job: 'wc', container: container.id },
        };
        return new TaskInstance(options as unknown as TaskInstanceOptions, new Map());
      }),
    );
    const running = queryableTasks(tasks.filter((task) => task.name !== options.skip));
    const report = () => ({ container: container.id, jobModelVersion: 1, processedTotal: 0, at: 0, tasks: [] });
    const listen = { host: '127.0.0.1', port: 0, ...(options.security ? { security: options.security } : {}) };
    const server = await startStatusServer(report, listen, () => ({
      container: container.id,
      tasks: running,
      model: MODEL,
    }));
    t.after(() => server.close());
    urls.set(container.id, server.url);
  }
  return urls;
}

function input(urls: ReadonlyMap<string, string | null>): StoreQueryInput {
  return { job: 'wc', jobModel: MODEL, stores: CONFIG.stores, containerApi: {}, containerUrls: async () => urls, timeoutMs: 2_000 };
}

/** A URL nothing listens on (a port just freed). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('store queries through the scheduler', () => {
  const counts = { river: 3, flows: 5, the: 11, 'a/b c': 2 };

  it('routes each key to the container of its task and returns the answer with the container and task', async (t) => {
    const urls = await containers(t, counts);
    for (const [word, count] of Object.entries(counts)) {
      const task = taskOf(word);
      const answer = await queryStore(input(urls), 'counts', word);
      assert.deepEqual(
        answer,
        { status: 200, body: { store: 'counts', key: word, task, value: count, container: containerOf(task) } },
        word,
      );
    }
  });

  it('says 404 for a key no task holds, and for an unknown store, listing the configured ones', async (t) => {
    const urls = await containers(t, counts);
    const missing = await queryStore(input(urls), 'counts', 'nowhere');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'QUERY_KEY_NOT_FOUND');
    assert.equal(missing.body.task, taskOf('nowhere'));
    assert.equal(missing.body.container, containerOf(taskOf('nowhere')));

    const unknown = await queryStore(input(urls), 'tallies', 'river');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, "job 'wc' has no store 'tallies'; its stores: counts, ids, users");
    assert.deepEqual(unknown.body.stores, ['counts', 'ids', 'users']);
  });

  it("asks HTTPS containers with the job's CA and read token, and says 502 when a container refuses the token or is not trusted", async (t) => {
    const files = tlsFiles();
    const urls = await containers(t, counts, { security: { tls: { cert: files.cert, key: files.key }, readToken: 'r34d' } });
    assert.ok([...urls.values()].every((url) => url.startsWith('https://127.0.0.1:')));
    const task = taskOf('river');
    const secured = { ...input(urls), containerApi: { ca: files.ca, token: 'r34d' } };
    assert.deepEqual(await queryStore(secured, 'counts', 'river'), {
      status: 200,
      body: { store: 'counts', key: 'river', task, value: 3, container: containerOf(task) },
    });
    const wrongToken = await queryStore({ ...secured, containerApi: { ca: files.ca, token: 'nope' } }, 'counts', 'river');
    assert.equal(wrongToken.status, 502);
    assert.equal(wrongToken.body.code, 'QUERY_CONTAINER_REFUSED');
    assert.match(String(wrongToken.body.error), /refused the scheduler's read token \(HTTP 401\)/);
    assert.doesNotMatch(JSON.stringify(wrongToken), /nope|r34d/, 'no token in the answer');
    const untrusted = await queryStore({ ...secured, containerApi: { token: 'r34d' } }, 'counts', 'river');
    assert.equal(untrusted.status, 502);
    assert.match(String(untrusted.body.error), /did not answer the query for task '.*': unable to verify the first certificate/);
  });

  it("refuses with 400 a key the store's serde cannot take, and with 501 one of a serde the job module defines", async () => {
    const bad = await queryStore(input(new Map()), 'ids', 'seven');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, "store 'ids' has int32 keys; 'seven' is not an integer in [-2^31, 2^31)");
    const custom = await queryStore(input(new Map()), 'users', 'alice');
    assert.equal(custom.status, 501);
    assert.equal(custom.body.code, 'QUERY_KEY_SERDE_UNSUPPORTED');
  });

  it('answers 503 while the container is not registered, has not taken the task over yet or the registry cannot be read, 502 when it does not answer', async (t) => {
    const task = taskOf('river');
    const container = containerOf(task);
    const unregistered = await queryStore(input(new Map()), 'counts', 'river');
    assert.equal(unregistered.status, 503);
    assert.equal(unregistered.headers?.['Retry-After'], '1');
    assert.equal(
      unregistered.body.error,
      `container ${container}, which runs task '${task}', is not registered (starting, moving or down); retry shortly`,
    );

    const moving = await queryStore(input(await containers(t, counts, { skip: task })), 'counts', 'river');
    assert.equal(moving.status, 503);
    assert.equal(moving.body.code, 'QUERY_TASK_NOT_HERE');
    assert.match(String(moving.body.error), new RegExp(`^task '${task}' is moving: container ${container} does not run it yet`));

    const noRegistry = await queryStore(
      { ...input(new Map()), containerUrls: () => Promise.reject(new Error('ZooKeeper is away')) },
      'counts',
      'river',
    );
    assert.equal(noRegistry.status, 503);
    assert.equal(noRegistry.body.error, 'the container registry cannot be read: ZooKeeper is away; retry shortly');

    const dead = await deadUrl();
    const silent = await queryStore(input(new Map([[container, dead]])), 'counts', 'river');
    assert.equal(silent.status, 502);
    assert.equal(silent.body.code, 'QUERY_CONTAINER_UNREACHABLE');
    assert.match(
      String(silent.body.error),
      new RegExp(`^container ${container} \\(${dead}\\) did not answer the query for task '${task}'`),
    );
  });
});

describe('the store query route of the scheduler API', () => {
  async function serve(t: TestContext, role: 'leader' | 'standby', model = true): Promise<string> {
    const framework = {
      status: () => ({ containers: [], errors: [] }),
      currentModel: () => (model ? { jobModel: MODEL, config: CONFIG } : undefined),
      containerApi: {},
    };
    const service = {
      role,
      session: { state: 'connected' },
      framework: role === 'leader' ? framework : undefined,
      leaderApi: async () => undefined,
    } as unknown as SchedulerService;
    const http = await startSchedulerHttp('wc', service, { port: 0, tokens: { write: 's3cret' } });
    t.after(() => http.close());
    return http.url;
  }

  it('is open without the token, 404s an unknown store with the configured ones, 400s a bad key', async (t) => {
    const url = await serve(t, 'leader');
    const unknown = await fetch(`${url}/api/v1/stores/tallies/river`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(((await unknown.json()) as { stores: string[] }).stores, ['counts', 'ids', 'users']);
    const bad = await fetch(`${url}/api/v1/stores/ids/x`);
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${url}/api/v1/stores/ids/%E0%A4%A`)).status, 400);
    assert.equal((await fetch(`${url}/api/v1/stores/ids/7`, { method: 'POST' })).status, 405);
    const noKey = await fetch(`${url}/api/v1/stores/counts/`);
    assert.equal(noKey.status, 404);
    assert.ok(((await noKey.json()) as { paths: string[] }).paths.includes('/api/v1/stores/<store>/<key>'));
  });

  it('a standby, and a leader without a job model yet, answer 503', async (t) => {
    const standby = await fetch(`${await serve(t, 'standby')}/api/v1/stores/counts/river`);
    assert.equal(standby.status, 503);
    assert.match(((await standby.json()) as { error: string }).error, /standby/);
    const early = await fetch(`${await serve(t, 'leader', false)}/api/v1/stores/counts/river`);
    assert.equal(early.status, 503);
    assert.match(((await early.json()) as { error: string }).error, /has not planned the job model yet/);
  });

  it('matches paths with parameters; a last parameter takes the rest; exact paths stay exact', () => {
    assert.deepEqual(pathParameters('/api/v1/stores/<store>/<key>', '/api/v1/stores/counts/river'), { store: 'counts', key: 'river' });
    assert.deepEqual(pathParameters('/api/v1/stores/<store>/<key>', '/api/v1/stores/counts/a/b'), { store: 'counts', key: 'a/b' });
    assert.equal(pathParameters('/api/v1/stores/<store>/<key>', '/api/v1/stores/counts'), undefined);
    assert.equal(pathParameters('/api/v1/stores/<store>/<key>', '/api/v1/stores//river'), undefined);
    assert.equal(pathParameters('/api/v1/stores/<store>/<key>', '/api/v2/stores/counts/river'), undefined);
    assert.deepEqual(pathParameters('/health', '/health'), {});
    assert.equal(pathParameters('/health', '/health/x'), undefined);
    assert.equal(pathParameters('/', '/health'), undefined);
    assert.deepEqual(pathParameters('/', '/'), {});
  });
});
