/**
 * The Sluice scheduler and executors on a `sluice mini-mesos` started with framework and executor
 * authentication: the job runs with the framework's principal and secret file and the executors'
 * tokens, a client with a wrong or no secret is refused, and neither the secret nor any token
 * appears in a log, a sandbox's output or the master's /state.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { jsonCodec } from '../../shared/mesos/index.js';
import { createKafka } from '../../shared/kafka/client.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import { freePort } from '../../dev/services/net.js';
import { kafkaBrokers, testLogDir } from '../infra/services.js';
import { produceWords, waitForCheckpointsAtEnd, wordCountJob } from '../integration/container/harness.js';
import { SLUICE, startSchedulerProcess, TSX_LOADER } from './helpers/scheduler-process.js';

setLogLevel('warn');

const SECRET = 'mesos-framework-secret-7f3a9c';

/** `sluice mini-mesos` with the given flags; resolves with the master URL (its first stdout line). */
async function startMiniMesos(t: TestContext, args: string[], logFile: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, SLUICE, 'mini-mesos', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SLUICE_LOG_LEVEL: 'debug' },
  });
  t.after(() => child.kill('SIGKILL'));
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`sluice mini-mesos exited with ${code}; see ${logFile}`)));
  });
  return { url, child };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** The executor tokens in the environments of the processes running in sandboxes under `workDir` (Linux /proc). */
async function tokensUnder(workDir: string): Promise<Set<string>> {
  const tokens = new Set<string>();
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      if (!(await readlink(`/proc/${pid}/cwd`)).startsWith(workDir)) continue;
      const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
      const token = environ.find((entry) => entry.startsWith('MESOS_EXECUTOR_AUTHENTICATION_TOKEN='));
      if (token !== undefined) tokens.add(token.slice(token.indexOf('=') + 1));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return tokens;
}

/** Every file named stdout or stderr below `dir`: the executors' output. */
async function sandboxOutputs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && /^std(out|err)$/.test(entry.name)).map((entry) => join(entry.parentPath, entry.name));
}

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
    const files = { credentials: join(dir, 'credentials.json'), acls: join(dir, 'acls.json'), secret: join(dir, 'mesos-secret') };
    await writeFile(files.credentials, JSON.stringify({ credentials: [{ principal: 'sluice', secret: SECRET }] }));
    const acls = { permissive: false, register_frameworks: [{ principals: { values: ['sluice'] }, roles: { values: ['sluice'] } }] };
    await writeFile(files.acls, JSON.stringify(acls));
    await writeFile(files.secret, `${SECRET}\n`, { mode: 0o600 });
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
      [
        ...['--agents', '2', '--port', '0', '--work-dir', workDir, '--credentials', files.credentials, '--acls', files.acls],
        ...['--authenticate-http-frameworks', '--authenticate-http-executors'],
      ],
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
    const subscribe = (authorization?: string) =>
      fetch(`${mesos.url}/api/v1/scheduler`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(authorization === undefined ? {} : { Authorization: authorization }) },
        body: jsonCodec.schedulerCall.encode({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'x', name: 'intruder' } } }),
      }).then((response) => response.status);
    assert.equal(await subscribe(`Basic ${Buffer.from('sluice:guess').toString('base64')}`), 401);
    assert.equal(await subscribe(), 401);

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
    const secrets = [SECRET, ...tokens, ...[...tokens].map((token) => token.split('.')[2] ?? token)];
    for (const [where, text] of texts) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${where} holds a secret (${secret.slice(0, 4)}…)`);
    }
  });
});
