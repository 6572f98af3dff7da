/**
 * Every door locked at once (docs/security.md): the word count on a `sluice mini-mesos` with
 * framework and executor authentication, its Kafka a SASL_SSL broker where the job's user has only
 * its own ACLs, its ZooKeeper nodes for its digest identity alone, and its API (the scheduler's and
 * the containers') over TLS with a read and a write token. The counts are exact; a client with wrong
 * or missing credentials is refused at each door; no secret appears in any log, sandbox output, the
 * master's /state or an API answer of the run.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { createAcls, jobAcls, startSecuredKafka } from '../../dev/services/kafka-secured.js';
import { freePort } from '../../dev/services/net.js';
import { infraSettings } from '../../dev/services/settings.js';
import type { JobView } from '../../scheduler/http/job-state.js';
import { jobModelPath } from '../../shared/coordination/layout.js';
import { ZkSession } from '../../shared/coordination/zk-session.js';
import { httpRequest, type HttpAnswer } from '../../shared/http/http-request.js';
import { createKafka } from '../../shared/kafka/client.js';
import { KafkaErrorCode, namingRefusals } from '../../shared/kafka/errors.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import { tlsFiles } from '../infra/tls-files.js';
import { testLogDir, uniqueName, zkConnect } from '../infra/services.js';
import { exactEmissions, produceWords, readTopic, waitForCheckpointsAtEnd, wordCountJob } from '../integration/container/harness.js';
import { running, secureJobConfig } from '../unit/scheduler/http/helpers/word-count-on-mini-mesos.js';
import { startSchedulerProcess } from './helpers/scheduler-process.js';
import { MESOS_PRINCIPAL, securedMesosArgs, writeMesosAuthFiles } from '../../dev/mini-mesos/auth-files.js';
import {
  basicAuth,
  exited,
  intruderSubscribeStatus,
  sandboxOutputs,
  startMiniMesos,
  tokenSecrets,
  tokensUnder,
} from './helpers/secured-mini-mesos.js';

setLogLevel('warn');

const MESOS_SECRET = 'mesos-secret-all-doors-5e1b77';
const ZK_PASSWORD = 'zk-password-all-doors-a93c02';
const READ = 'api-read-all-doors-0d6f4e';
const WRITE = 'api-write-all-doors-c28b19';

describe('a word count with every door locked', { timeout: 600_000 }, () => {
  it('counts exactly; Kafka, ZooKeeper, Mesos and the API each refuse a client without the right credentials; no secret leaks', async (t) => {
    const started = Date.now();
    // Kafka: SASL_SSL, the job's user with only its ACLs.
    const broker = await startSecuredKafka(infraSettings());
    t.after(() => broker.stop());
    const kafka = createKafka({ brokers: broker.brokers, clientId: uniqueName('secured-job-admin'), security: broker.security('admin') });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const kafkaPassword = (await readFile(broker.passwordFiles.job, 'utf8')).trim();

    // ZooKeeper: the job's nodes for its digest identity.
    const secretsDir = await mkdtemp(join(tmpdir(), 'sluice-secured-job-'));
    t.after(() => rm(secretsDir, { recursive: true, force: true }));
    const zkPasswordFile = join(secretsDir, 'zk-password');
    await writeFile(zkPasswordFile, `${ZK_PASSWORD}\n`, { mode: 0o600 });
    const zookeeper = { auth: { username: uniqueName('wc'), 'password-file': zkPasswordFile } };

    const job = await wordCountJob(4, 300, { containers: 2, guarantee: 'exactly-once', kafka: broker.configSection('job'), zookeeper });
    // The API: TLS for the scheduler and the containers, the read token in the job config, the write token for the scheduler.
    const tls = tlsFiles();
    await secureJobConfig(job.configFile, { tls, read: READ, write: WRITE });
    const writeTokenFile = join(secretsDir, 'write-token');
    await writeFile(writeTokenFile, `${WRITE}\n`, { mode: 0o600 });
    await createAcls(admin, jobAcls('User:job', job.name, `${job.name}-`));
    await ensureTopic(admin, { topic: job.words, partitions: 4, compacted: false, purpose: 'test input' });
    const expected = await produceWords(kafka, job.words, 4_000, 17);

    // Mesos: framework and executor authentication.
    const mesosFiles = await writeMesosAuthFiles(secretsDir, MESOS_SECRET);
    const workDir = await mkdtemp(join(tmpdir(), 'sluice-secured-job-mesos-'));
    t.after(() => rm(workDir, { recursive: true, force: true }));
    const mesosLog = join(testLogDir(), `${job.name}-mini-mesos.log`);
    const mesos = await startMiniMesos(
      t,
      ['--agents', '2', '--port', '0', '--work-dir', workDir, ...securedMesosArgs(mesosFiles)],
      mesosLog,
    );
    await writeFile(join(dirname(job.configFile), 'bundle.txt'), 'the tests run sluice from the repository\n');
    const port = await freePort();
    const scheduler = startSchedulerProcess(t, job, {
      masterUrl: mesos.url,
      port,
      volumeMb: 0,
      executorLogLevel: 'info',
      brokers: broker.brokers,
      extraArgs: [
        ...['--principal', MESOS_PRINCIPAL, '--secret-file', mesosFiles.secret],
        ...['--tls-cert', tls.certFile, '--tls-key', tls.keyFile, '--tls-ca', tls.caFile, '--write-token-file', writeTokenFile],
      ],
    });
    const api = `https://127.0.0.1:${port}`;
    const answers: HttpAnswer[] = [];
    const ask = async (path: string, token: string | undefined, method = 'GET', body?: string): Promise<HttpAnswer> => {
      const answer = await httpRequest(`${api}${path}`, {
        method,
        ca: tls.ca,
        token,
        timeoutMs: 10_000,
        ...(body === undefined ? {} : { body }),
      });
      answers.push(answer);
      return answer;
    };

    // Both containers running (the scheduler read them over HTTPS with the read token), then every input consumed.
    const deadline = Date.now() + 180_000;
    let view: Partial<JobView> = {};
    while (!(view.containers !== undefined && running(2)(view as JobView))) {
      assert.ok(Date.now() < deadline, `containers not running within 180 s; last view ${JSON.stringify(view)}`);
      assert.equal(scheduler.exitCode, null, `the scheduler is still running (see ${job.name}-scheduler.log)`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      view = await ask('/api/v1/job', READ).then(
        (answer) => (answer.status === 200 ? (JSON.parse(answer.text) as JobView) : {}),
        () => ({}),
      );
    }
    await waitForCheckpointsAtEnd(admin, job, 300_000);

    // Exact counts: a read_committed reader sees each word's counts 1, 2, … once each; the store's changelog ends at the truth.
    const emitted = await readTopic(kafka, admin, job.counts);
    const wrong = exactEmissions(expected, emitted);
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${expected.size} words were not emitted exactly once per count`);
    const changelog = await readTopic(kafka, admin, job.changelog);
    for (const [word, count] of expected) assert.equal(Number(changelog.get(word)?.at(-1)), count, `stored count of ${word}`);

    // The Kafka door: the job's user with a wrong password fails SASL authentication.
    const wrongPasswordFile = join(secretsDir, 'wrong-kafka-password');
    await writeFile(wrongPasswordFile, 'not-the-password\n', { mode: 0o600 });
    const jobSecurity = broker.security('job');
    const intruder = createKafka({
      brokers: broker.brokers,
      clientId: uniqueName('wrong-password'),
      security: {
        ...jobSecurity,
        sasl: { ...(jobSecurity.sasl as NonNullable<typeof jobSecurity.sasl>), passwordFile: wrongPasswordFile },
      },
      quiet: { connectionTimeout: 5_000, retry: { retries: 1 } },
    });
    const intruderAdmin = intruder.admin();
    const refusedByKafka = await namingRefusals({}, 'User:job', () => intruderAdmin.connect()).then(
      () => assert.fail('Kafka must refuse a wrong password'),
      (error: unknown) => error as { code?: string; message: string },
    );
    await intruderAdmin.disconnect();
    assert.equal(refusedByKafka.code, KafkaErrorCode.authenticationFailed, refusedByKafka.message);

    // The ZooKeeper door: a session without the credentials may not read the job model.
    const anonymous = new ZkSession({ connect: zkConnect() }).start();
    t.after(() => anonymous.close());
    await assert.rejects((await anonymous.ready(10_000)).get(jobModelPath(job.name)), { code: 'ZK_NO_AUTH' });

    // The Mesos door: a framework with a wrong or no secret gets 401.
    assert.equal(await intruderSubscribeStatus(mesos.url, basicAuth(MESOS_PRINCIPAL, 'guess')), 401, 'a wrong secret');
    assert.equal(await intruderSubscribeStatus(mesos.url), 401, 'no secret');

    // The API door: no token 401; the read token may read but not rescale (403).
    assert.equal((await ask('/api/v1/job', undefined)).status, 401, 'the job state without a token');
    assert.equal(
      (await ask('/api/v1/rescale', READ, 'POST', JSON.stringify({ containers: 3 }))).status,
      403,
      'a rescale with the read token',
    );
    assert.equal((await ask('/api/v1/stores/counts/w1', READ)).status, 200, 'a store query with the read token');

    // The secrets grep: every log of the run, the executors' sandboxes, /state and every API answer.
    const executorTokens = await tokensUnder(workDir);
    assert.equal(executorTokens.size, 2, 'each of the two executors got its own token');
    const state = await fetch(`${mesos.url}/state`).then((response) => response.text());
    assert.match(state, /"active":true/, '/state was read');
    scheduler.kill('SIGTERM');
    assert.equal(await exited(scheduler), 0, 'the scheduler stops cleanly');
    mesos.child.kill('SIGTERM');
    assert.equal(await exited(mesos.child), 0, 'the mini Mesos stops cleanly');

    // Every log written during the run: the scheduler's and the mini Mesos's, and the services' (Kafka, the secured broker, ZooKeeper).
    const logs: string[] = [];
    for (const file of await readdir(testLogDir())) {
      const path = join(testLogDir(), file);
      if ((await stat(path)).mtimeMs >= started) logs.push(path);
    }
    for (const name of [`${job.name}-scheduler.log`, `${job.name}-mini-mesos.log`, 'kafka-secured.log'])
      assert.ok(logs.includes(join(testLogDir(), name)), `${name} is among the logs grepped: ${logs.join(', ')}`);
    const outputs = await sandboxOutputs(workDir);
    assert.ok(outputs.length >= 4, `the executors' stdout and stderr: ${outputs.join(', ')}`);
    const texts = new Map<string, string>([
      ['/state', state],
      ...answers.map((answer, index) => [`API answer ${index} (${answer.status})`, answer.text] as [string, string]),
      ...(await Promise.all([...logs, ...outputs].map(async (file) => [file, await readFile(file, 'utf8')] as [string, string]))),
    ]);
    assert.match(texts.get(join(testLogDir(), `${job.name}-scheduler.log`)) ?? '', /subscribed to Mesos/, 'the scheduler logged');
    assert.ok(
      outputs.some((file) => (texts.get(file) ?? '').includes('subscribed to the agent')),
      'the executors logged',
    );
    const secrets = { kafka: kafkaPassword, zookeeper: ZK_PASSWORD, mesos: MESOS_SECRET, read: READ, write: WRITE };
    for (const [where, text] of texts) {
      for (const [door, secret] of Object.entries(secrets)) assert.ok(!text.includes(secret), `${where} holds the ${door} secret`);
      for (const token of tokenSecrets(executorTokens)) assert.ok(!text.includes(token), `${where} holds an executor token`);
    }
  });
});
