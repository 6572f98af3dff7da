import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';

const repo = resolve(import.meta.dirname, '../../..');
const APP_FILE = join(repo, 'deploy/marathon/word-count.json');
const DEPLOYMENT = '5a1c9b52-0c43-4b0e-9d1e-6f3c2b7a8e10';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Answers /v2/apps the way Marathon does, with whatever reply the test set; records each request. */
class FakeMarathon {
  readonly received: Received[] = [];
  reply: Reply = { status: 500, body: { message: 'no reply set' } };
  private readonly server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      this.received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      response.writeHead(this.reply.status, { 'content-type': 'application/json', ...this.reply.headers });
      response.end(typeof this.reply.body === 'string' ? this.reply.body : JSON.stringify(this.reply.body));
    });
  });

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.close();
    await once(this.server, 'close');
  }
}

/** Runs the real CLI in a child process (not spawnSync: the fake Marathon answers from this one). */
async function sluice(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'bin/sluice.ts'), ...args], {
    env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, out, err };
}

describe('sluice submit', { timeout: 300_000 }, () => {
  const marathon = new FakeMarathon();
  let url = '';
  let dir = '';
  let appText = '';

  before(async () => {
    url = await marathon.start();
    dir = await mkdtemp(join(tmpdir(), 'sluice-submit-'));
    appText = await readFile(APP_FILE, 'utf8');
  });
  after(async () => {
    await marathon.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => marathon.received.splice(0));

  /** A copy of the shipped app definition with `change` applied, written to a file of its own. */
  async function appFileWith(name: string, change: (app: Record<string, unknown>) => void): Promise<string> {
    const app = JSON.parse(appText) as Record<string, unknown>;
    change(app);
    const file = join(dir, name);
    await writeFile(file, JSON.stringify(app));
    return file;
  }

  it('prints its usage with --help', async () => {
    const help = await sluice('submit', '--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: sluice submit --marathon URL <app\.json>/);
    assert.match(help.out, /--update/);
  });

  it('201: POSTs the file unchanged to /v2/apps and says the app was created, with the deployment to watch', async () => {
    marathon.reply = { status: 201, body: { ...(JSON.parse(appText) as object), deployments: [{ id: DEPLOYMENT }] } };
    const result = await sluice('submit', '--marathon', `${url}/`, APP_FILE, '--token', 's3cret');
    assert.equal(result.code, 0, result.err);
    assert.match(
      result.out,
      new RegExp(`^created /sluice/word-count on Marathon ${url} from .*word-count\\.json \\(deployment ${DEPLOYMENT}\\)`),
    );
    assert.match(result.out, new RegExp(`watch it: ${url}/ui/#/apps/%2Fsluice%2Fword-count`));
    assert.equal(marathon.received.length, 1);
    const [request] = marathon.received;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.url, '/v2/apps');
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.equal(request?.headers.authorization, 'token=s3cret');
    assert.equal(request?.body, appText);
  });

  it('409: says the app already exists and how to replace it', async () => {
    marathon.reply = { status: 409, body: { message: 'An app with id [/sluice/word-count] already exists.' } };
    const result = await sluice('submit', '--marathon', url, APP_FILE);
    assert.equal(result.code, 1);
    assert.match(
      result.err,
      /Marathon already has an app \/sluice\/word-count \("An app with id \[\/sluice\/word-count\] already exists\."\)/,
    );
    assert.match(result.err, new RegExp(`run again with --update \\(PUT ${url}/v2/apps/sluice/word-count\\?force=true\\)`));
    assert.match(result.err, /\[MARATHON_APP_EXISTS\]/);
    assert.equal(marathon.received[0]?.headers.authorization, undefined, 'no token given, none sent');
  });

  it('--update: PUTs the file to /v2/apps/<id>?force=true and says the app was updated', async () => {
    marathon.reply = { status: 200, body: { version: '2026-11-22T10:00:00.000Z', deploymentId: DEPLOYMENT } };
    const result = await sluice('submit', '--marathon', url, '--update', APP_FILE);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, new RegExp(`^updated /sluice/word-count on Marathon .*\\(deployment ${DEPLOYMENT}\\)`));
    assert.equal(marathon.received[0]?.method, 'PUT');
    assert.equal(marathon.received[0]?.url, '/v2/apps/sluice/word-count?force=true');
    assert.equal(marathon.received[0]?.body, appText);
  });

  it("422: lists Marathon's errors per field", async () => {
    marathon.reply = {
      status: 422,
      body: {
        message: 'Object is not valid',
        details: [
          { path: '/mem', errors: ['got 1.0, expected 32.0 or more'] },
          { path: '/portDefinitions(0)/name', errors: ['must be unique', 'must match "^[a-z0-9-]+$"'] },
        ],
      },
    };
    const result = await sluice('submit', '--marathon', url, APP_FILE);
    assert.equal(result.code, 1);
    assert.match(
      result.err,
      /Marathon rejected \/sluice\/word-count as invalid \(422: Object is not valid\); fix these fields and submit again:/,
    );
    assert.match(result.err, /\n {2}\/mem: got 1\.0, expected 32\.0 or more\n/);
    assert.match(result.err, /\n {2}\/portDefinitions\(0\)\/name: must be unique; must match/);
  });

  it('another answer: prints its status and body', async () => {
    marathon.reply = { status: 503, body: 'leader election in progress' };
    const result = await sluice('submit', '--marathon', url, APP_FILE);
    assert.equal(result.code, 1);
    assert.match(
      result.err,
      /Marathon answered 503 Service Unavailable to the submission of \/sluice\/word-count: leader election in progress/,
    );
  });

  it('says when Marathon cannot be reached', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const result = await sluice('submit', '--marathon', `http://127.0.0.1:${port}`, APP_FILE);
    assert.equal(result.code, 1);
    assert.match(result.err, new RegExp(`cannot reach Marathon at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*check --marathon`));
  });

  it('bad arguments: exit 2 for the command line, 1 for the file, each saying what is wrong, and nothing is sent', async () => {
    const notJson = join(dir, 'broken.json');
    await writeFile(notJson, '{ "id": "/x", ');
    const [noMarathon, badUrl, noFile, missing, broken, twoInstances, noHealth, noCmd, badId] = await Promise.all([
      sluice('submit', APP_FILE),
      sluice('submit', '--marathon', 'marathon:8080', APP_FILE),
      sluice('submit', '--marathon', url),
      sluice('submit', '--marathon', url, join(dir, 'absent.json')),
      sluice('submit', '--marathon', url, notJson),
      appFileWith('two.json', (app) => (app.instances = 2)).then((file) => sluice('submit', '--marathon', url, file)),
      appFileWith('unhealthy.json', (app) => delete app.healthChecks).then((file) => sluice('submit', '--marathon', url, file)),
      appFileWith('nothing-to-run.json', (app) => {
        delete app.cmd;
        delete app.container;
      }).then((file) => sluice('submit', '--marathon', url, file)),
      appFileWith('bad-id.json', (app) => (app.id = '/Sluice/Word Count')).then((file) => sluice('submit', '--marathon', url, file)),
    ]);
    assert.equal(noMarathon.code, 2);
    assert.match(noMarathon.err, /--marathon is required: Marathon's address, http:\/\/host:port/);
    assert.match(noMarathon.err, /Usage: sluice submit/);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.err, /--marathon expects Marathon's address, .*got 'marathon:8080'/);
    assert.equal(noFile.code, 2);
    assert.match(noFile.err, /expected exactly one app definition file/);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot read the app definition .*absent\.json: ENOENT/);
    assert.equal(broken.code, 1);
    assert.match(broken.err, /broken\.json is not JSON: /);
    assert.equal(twoInstances.code, 1);
    assert.match(
      twoInstances.err,
      /two\.json is not a Sluice scheduler app Marathon can run:\n {2}instances: expected 1 \(the scheduler is a singleton.*\), got 2/,
    );
    assert.equal(noHealth.code, 1);
    assert.match(noHealth.err, /unhealthy\.json .*\n {2}healthChecks: expected at least one health check.*got nothing/);
    assert.equal(noCmd.code, 1);
    assert.match(noCmd.err, /nothing-to-run\.json .*\n {2}cmd or container: expected a "cmd" .*got neither/);
    assert.equal(badId.code, 1);
    assert.match(badId.err, /bad-id\.json .*\n {2}id: expected an app id like "\/sluice\/word-count".*got "\/Sluice\/Word Count"/);
    assert.deepEqual(marathon.received, [], 'nothing reaches Marathon');
  });
});
