/**
 * The Sluice scheduler and executors on a `sluice mini-mesos` started with framework and executor
 * authentication: the job runs with the framework's principal and secret file and the executors'
 * tokens, a client with a wrong or no secret is refused, and neither the secret nor any token
 * appears in a log, a sandbox's output or the master's /state.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { createKafka } from '../../shared/kafka/client.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import { freePort } from '../../dev/services/net.js';
import { kafkaBrokers, testLogDir } from '../infra/services.js';
import { produceWords, waitForCheckpointsAtEnd, wordCountJob } from '../integration/container/harness.js';
import { SLUICE, startSchedulerProcess, TSX_LOADER } from './helpers/scheduler-process.js';
import { securedMesosArgs, writeMesosAuthFiles } from '../../dev/mini-mesos/auth-files.js';
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

const SECRET = 'mesos-framework-secret-7f3a9c';

describe('Sluice on a mini Mesos with framework and executor authentication', { timeout: 200_000 }, () => {
  it('runs the job with its secret file and the executors’ tokens, refuses wrong credentials, and leaks neither', async (t) => {
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'secured-mesos-e2e' });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const job = await wordCountJob(2);
    await ensureTopic(admin, { topic: job.words, partitions: 2, compacted: false, purpose: 'test input' });
    await produceWords(kafka, job.words, 2_000, 11);
    const dir = dirname(job.configFile);
    await writeFile(join(dir, 'bundle.txt'), 'the tests run sluice from the repository\n');
    const files = await writeMesosAuthFiles(dir, SECRET);
    // A secret Mesos's basic authentication cannot carry is refused before anything is contacted.
    const colonSecret = join(dir, 'colon-secret');
    await writeFile(colonSecret, 'a:b\n');
    const refused = spawnSync(
      process.execPath,
      [
        '--import',
        TSX_LOADER,
        SLUICE,
        'scheduler',
        '--config',
        job.configFile,
        '--master',
        'http://127.0.0.1:1',
        '--zk',
        '127.0.0.1:1',
        '--kafka',
        '127.0.0.1:1',
        '--bundle-uri',
        'b',
      ],
      { encoding: 'utf8', env: { ...process.env, SLUICE_LOG_LEVEL: 'warn', SLUICE_MESOS_SECRET_FILE: colonSecret } },
    );
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /--secret-file .*colon-secret must hold one line, the secret, without ':'/);
    assert.ok(!refused.stderr.includes('a:b'), 'the secret is not echoed');
    const workDir = await mkdtemp(join(tmpdir(), 'secured-mesos-'));
    t.after(() => rm(workDir, { recursive: true, force: true }));

    const mesosLog = join(testLogDir(), `${job.name}-mini-mesos.log`);
    const mesos = await startMiniMesos(
      t,
      [...['--agents', '2', '--port', '0', '--work-dir', workDir], ...securedMesosArgs(files)],
      mesosLog,
    );
    const port = await freePort();
    const scheduler = startSchedulerProcess(t, job, {
      masterUrl: mesos.url,
      port,
      volumeMb: 0,
      executorLogLevel: 'info',
      extraArgs: ['--principal', 'sluice', '--secret-file', files.secret],
    });

    const deadline = Date.now() + 90_000;
    let view: { containers?: { state: string }[]; errors?: unknown[] } = {};
    while (!(view.containers?.length === 2 && view.containers.every((c) => c.state === 'running'))) {
      assert.ok(Date.now() < deadline, `containers not running within 90 s; last view ${JSON.stringify(view)}`);
      assert.equal(scheduler.exitCode, null, 'the scheduler is still running');
      await new Promise((resolve) => setTimeout(resolve, 250));
      view = await fetch(`http://127.0.0.1:${port}/api/v1/job`).then(
        (response) => response.json() as Promise<typeof view>,
        () => ({}),
      );
    }
    await waitForCheckpointsAtEnd(admin, job, 60_000);

    // The Mesos door: a second framework with a wrong or no secret is refused.
    assert.equal(await intruderSubscribeStatus(mesos.url, basicAuth('sluice', 'guess')), 401);
    assert.equal(await intruderSubscribeStatus(mesos.url), 401);

    const tokens = await tokensUnder(workDir);
    assert.equal(tokens.size, 2, 'each of the two executors got its own token');
    const state = await fetch(`${mesos.url}/state`).then((response) => response.text());
    assert.match(state, /"active":true/, '/state was read');

    scheduler.kill('SIGTERM');
    assert.equal(await exited(scheduler), 0);
    mesos.child.kill('SIGTERM');
    assert.equal(await exited(mesos.child), 0);

    const outputs = await sandboxOutputs(workDir);
    assert.ok(outputs.length >= 4, `the executors' stdout and stderr: ${outputs.join(', ')}`);
    const texts = new Map<string, string>([
      ['/state', state],
      [mesosLog, await readFile(mesosLog, 'utf8')],
      [`${job.name}-scheduler.log`, await readFile(join(testLogDir(), `${job.name}-scheduler.log`), 'utf8')],
      ...(await Promise.all(outputs.map(async (file) => [file, await readFile(file, 'utf8')] as [string, string]))),
    ]);
    assert.match(texts.get(`${job.name}-scheduler.log`) ?? '', /subscribed to Mesos/);
    assert.ok(
      outputs.some((file) => (texts.get(file) ?? '').includes('subscribed to the agent')),
      'the executors logged',
    );
    const secrets = [SECRET, ...tokenSecrets(tokens)];
    for (const [where, text] of texts) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${where} holds a secret (${secret.slice(0, 4)}…)`);
    }
  });
});
