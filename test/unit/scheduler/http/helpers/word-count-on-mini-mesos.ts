/**
 * For the end-to-end tests of the scheduler API and the dashboard: the word-count example on real
 * Kafka, scheduled by a real SchedulerService on the mini Mesos (two agents, executors run from
 * this checkout), with its HTTP API on 127.0.0.1 showing the containers' own reports. Everything
 * is stopped by the test's `after` hooks.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Kafka } from 'kafkajs';
import { loadJobConfig } from '../../../../../shared/config/job-config.js';
import { httpRequest, type ApiAccess } from '../../../../../shared/http/http-request.js';
import { createKafka } from '../../../../../shared/kafka/client.js';
import { ensureTopic } from '../../../../../shared/kafka/topics.js';
import type { FrameworkOptions } from '../../../../../scheduler/framework/framework-options.js';
import type { JobView } from '../../../../../scheduler/http/job-state.js';
import { startSchedulerHttp } from '../../../../../scheduler/http/server.js';
import { DEFAULT_PLANNER_TIMINGS } from '../../../../../scheduler/planner/index.js';
import { SchedulerService } from '../../../../../scheduler/scheduler-service.js';
import { kafkaBrokers, zkConnect } from '../../../../infra/services.js';
import type { MiniMesos } from '../../../../../dev/mini-mesos/index.js';
import { repo, wordCountJob, type WordCountJob } from '../../../../integration/container/harness.js';
import { startCluster } from '../../../mini-mesos/helpers/cluster.js';

const TSX_LOADER = import.meta.resolve('tsx');

export interface WordCountOnMiniMesos {
  readonly job: WordCountJob;
  readonly kafka: Kafka;
  readonly mesos: MiniMesos;
  readonly service: SchedulerService;
  /** The scheduler API, http(s)://127.0.0.1:port. */
  readonly api: string;
}

/**
 * A secured run: the scheduler serves HTTPS with `tls` and needs the tokens; the job config's api
 * section gives the containers the same certificate and the read token (a file beside the config).
 */
export interface SecuredApi {
  readonly tls: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly caFile: string;
    readonly cert: string;
    readonly key: string;
    readonly ca: string;
  };
  readonly read: string;
  readonly write: string;
}

export async function startWordCountOnMiniMesos(
  t: TestContext,
  options: { partitions: number; token?: string; secure?: SecuredApi; standbys?: number },
): Promise<WordCountOnMiniMesos> {
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'scheduler-api-e2e' });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const job = await wordCountJob(options.partitions, 300, options.standbys === undefined ? {} : { standbys: options.standbys });
  await ensureTopic(admin, { topic: job.words, partitions: options.partitions, compacted: false, purpose: 'test input' });
  const secure = options.secure;
  if (secure !== undefined) await secureJobConfig(job.configFile, secure);
  const mesos = await startCluster(t, { agents: 2, heartbeatIntervalMs: 500 });
  const containerApi = secure === undefined ? {} : { containerApi: { ca: secure.tls.ca, token: secure.read } };
  const framework = await frameworkOptions(job, mesos.masterUrl, containerApi);
  const service = new SchedulerService({ framework, zookeeper: zkConnect() }).start();
  t.after(() => service.stop());
  const http = await startSchedulerHttp(job.name, service, {
    port: 0,
    ...(options.token === undefined ? {} : { tokens: { write: options.token } }),
    ...(secure === undefined
      ? {}
      : { tls: { cert: secure.tls.cert, key: secure.tls.key }, tokens: { read: secure.read, write: secure.write } }),
  });
  t.after(() => http.close());
  return { job, kafka, mesos, service, api: http.url };
}

/** Adds the api section to the job config: the certificate's files and a read-token file written beside the config. */
export async function secureJobConfig(configFile: string, secure: SecuredApi): Promise<void> {
  const tokenFile = join(dirname(configFile), 'read-token');
  await writeFile(tokenFile, `${secure.read}\n`, { mode: 0o600 });
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  const api = { tls: { 'cert-file': secure.tls.certFile, 'key-file': secure.tls.keyFile }, 'read-token-file': tokenFile };
  await writeFile(configFile, JSON.stringify({ ...config, api }, null, 2));
}

/** Framework options for the word-count job on the mini Mesos: persistent volumes, short timings, executors run from this checkout. */
export async function frameworkOptions(
  job: WordCountJob,
  masterUrl: string,
  overrides: Partial<FrameworkOptions> = {},
): Promise<FrameworkOptions> {
  // The Mesos fetcher needs a bundle; the executors run from this checkout, so any file will do.
  const bundle = join(dirname(job.configFile), 'bundle.txt');
  await writeFile(bundle, 'the tests run sluice from the repository\n');
  const command = [
    'SLUICE_LOG_LEVEL=warn',
    `'${process.execPath}'`,
    '--import',
    `'${TSX_LOADER}'`,
    `'${join(repo, 'bin/sluice.ts')}'`,
    'executor',
  ];
  return {
    config: await loadJobConfig(job.configFile),
    master: masterUrl,
    kafkaBrokers: kafkaBrokers(),
    role: 'sluice',
    principal: 'sluice',
    user: os.userInfo().username,
    failoverTimeoutSeconds: 3600,
    resources: { cpus: 0.3, memMb: 256, diskMb: 16, ports: 0 },
    storage: { kind: 'persistent-volume', sizeMb: 64, containerPath: 'state' },
    timings: {
      ...DEFAULT_PLANNER_TIMINGS,
      localityWaitMs: 3_000,
      backoffInitialMs: 200,
      backoffMaxMs: 2_000,
      declineShortSeconds: 1,
      declineLongSeconds: 5,
    },
    launch: {
      bundleUri: bundle,
      executorCommand: command.join(' '),
      jobConfig: job.configFile,
      zookeeper: zkConnect(),
      kafkaBrokers: kafkaBrokers(),
    },
    reviveMinIntervalMs: 200,
    reconcile: { initialMs: 500, maxMs: 2_000, implicitEveryMs: 60_000 },
    subscribeBackoff: { initialMs: 100, maxMs: 1_000 },
    ...overrides,
  };
}

/** Polls GET /api/v1/job until `done` holds; fails with the last view after `timeoutMs`. `access`: a CA and token for a secured API. */
export async function waitForJob(
  api: string,
  what: string,
  done: (view: JobView) => boolean,
  timeoutMs = 60_000,
  access: ApiAccess = {},
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = JSON.parse((await httpRequest(`${api}/api/v1/job`, { ...access, timeoutMs: 10_000 })).text) as JobView;
    if (done(view)) return view;
    if (Date.now() > deadline) assert.fail(`${what} not within ${timeoutMs} ms; last view: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const running =
  (containers: number) =>
  (view: JobView): boolean =>
    view.containers.length === containers && view.containers.every((container) => container.state === 'running');

/** Every container reports tasks, `tasks` of them in all. */
export const reporting =
  (tasks: number) =>
  (view: JobView): boolean =>
    view.containers.every((container) => container.status !== undefined) &&
    view.containers.reduce((sum, container) => sum + (container.status?.tasks.length ?? 0), 0) === tasks;

/** Sends a batch of words every `everyMs` until stopped, so the job has something to process. */
export function keepProducing(t: TestContext, kafka: Kafka, topic: string, everyMs = 100, batch = 200): void {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let stopped = false;
  const sending = (async () => {
    await producer.connect();
    for (let round = 0; !stopped; round++) {
      const messages = Array.from({ length: batch }, (_, i) => `w${(round * batch + i) % 500}`).map((word) => ({ key: word, value: word }));
      await producer.send({ topic, messages });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  t.after(async () => {
    stopped = true;
    await sending;
    await producer.disconnect();
  });
}
