/**
 * The scheduler and the containers with TLS and tokens on the mini Mesos: the scheduler reads the
 * containers' reports and stores over HTTPS with the job's read token, clients need their tokens,
 * and neither token is anywhere in Mesos's /state, the answers, or the executors' logs.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { httpRequest } from '../../shared/http/http-request.js';
import { setLogLevel } from '../../shared/log.js';
import { tlsFiles } from '../infra/tls-files.js';
import { runSluice } from '../unit/scheduler/http/helpers/run-sluice.js';
import {
  keepProducing,
  reporting,
  running,
  startWordCountOnMiniMesos,
  waitForJob,
} from '../unit/scheduler/http/helpers/word-count-on-mini-mesos.js';
import { ContainerRegistry } from '../../shared/coordination/container-registry.js';

setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'warn');

const READ = 'e2e-read-4c7d1f';
const WRITE = 'e2e-write-8b2a90';

/** Every executor's stdout and stderr in the agents' sandboxes. */
async function executorLogs(workDirs: readonly string[]): Promise<string> {
  const texts: string[] = [];
  for (const dir of workDirs) {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && (entry.name === 'stdout' || entry.name === 'stderr'))
        texts.push(await readFile(join(entry.parentPath, entry.name), 'utf8'));
    }
  }
  assert.ok(texts.length > 0, 'found the executors’ logs');
  return texts.join('\n');
}

describe('a job on the mini Mesos with a TLS API and read and write tokens', { timeout: 240_000 }, () => {
  it("reads the containers' reports over HTTPS with the read token, refuses clients without theirs, and leaks no token", async (t) => {
    const tls = tlsFiles();
    const { job, kafka, mesos, service, api } = await startWordCountOnMiniMesos(t, {
      partitions: 4,
      secure: { tls, read: READ, write: WRITE },
    });
    keepProducing(t, kafka, job.words);
    assert.match(api, /^https:\/\//);
    const access = { ca: tls.ca, token: READ };
    // Reports of all four tasks: the scheduler read both containers over HTTPS with the token.
    const view = await waitForJob(
      api,
      'two containers reporting their four tasks',
      (v) => running(2)(v) && reporting(4)(v),
      120_000,
      access,
    );

    // The containers themselves: HTTPS, and 401 without the token.
    const registered = await new ContainerRegistry(service.session, job.name).list();
    assert.equal(registered.length, 2);
    for (const { url } of registered) {
      assert.match(String(url), /^https:\/\/127\.0\.0\.\d:\d+$/);
      assert.equal((await httpRequest(`${url}/status`, { ca: tls.ca, timeoutMs: 5_000 })).status, 401, `${url} without the token`);
      assert.equal((await httpRequest(`${url}/status`, { ...access, timeoutMs: 5_000 })).status, 200, `${url} with it`);
    }

    // A store query goes through the scheduler to the container over HTTPS with the token.
    const deadline = Date.now() + 60_000;
    let query = await httpRequest(`${api}/api/v1/stores/counts/w1`, { ...access, timeoutMs: 10_000 });
    while (query.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      query = await httpRequest(`${api}/api/v1/stores/counts/w1`, { ...access, timeoutMs: 10_000 });
    }
    assert.equal(query.status, 200, query.text);

    // Clients: no token 401, the read token may not rescale (403), the write token may.
    assert.equal((await httpRequest(`${api}/api/v1/job`, { ca: tls.ca, timeoutMs: 5_000 })).status, 401);
    const status = await runSluice(['status', '--scheduler', api, '--ca', tls.caFile], { SLUICE_API_TOKEN: READ });
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, new RegExp(`^job ${job.name}: leader, framework ${view.frameworkId}`));
    const forbidden = await runSluice(['rescale', '--scheduler', api, '--ca', tls.caFile, '--containers', '3'], { SLUICE_API_TOKEN: READ });
    assert.match(forbidden.err, /SCHEDULER_FORBIDDEN/);

    // No token anywhere: Mesos's /state (what TaskInfo and the environment became), the answers, the executors' logs.
    const state = await (await fetch(`${mesos.masterUrl}/state`)).text();
    const answers = [state, JSON.stringify(mesos.state()), JSON.stringify(view), query.text, status.out, status.err, forbidden.err];
    const logs = await executorLogs(mesos.agents.map((agent) => agent.workDir));
    for (const token of [READ, WRITE]) {
      for (const [index, text] of answers.entries()) assert.doesNotMatch(text, new RegExp(token), `answer ${index} holds no token`);
      assert.doesNotMatch(logs, new RegExp(token), "the executors' logs hold no token");
    }
  });
});
