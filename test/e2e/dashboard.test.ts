import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { setLogLevel } from '../../shared/log.js';
import type { JobView } from '../../scheduler/http/job-state.js';
import { startSchedulerHttp } from '../../scheduler/http/server.js';
import { testLogDir } from '../infra/services.js';
import { tlsFiles } from '../infra/tls-files.js';
import { fakeScheduler } from '../unit/scheduler/http/helpers/fake-service.js';
import { launchBrowser, loopbackPage, throughputReading } from './helpers/dashboard-page.js';
import {
  keepProducing,
  reporting,
  running,
  startWordCountOnMiniMesos,
  waitForJob,
} from '../unit/scheduler/http/helpers/word-count-on-mini-mesos.js';

setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'warn');

/** The header, each container on its host with its state and Mesos task, the four tasks, a moving throughput. */
async function showsTheJob(page: Page, view: JobView): Promise<void> {
  await page.getByTestId('model-version').filter({ hasText: '1' }).waitFor();
  assert.equal(await page.getByTestId('framework-id').textContent(), view.frameworkId);
  const containers = page.getByTestId('container');
  await containers.nth(1).waitFor();
  assert.equal(await containers.count(), 2);
  for (const container of view.containers) {
    const card = page.locator(`[data-testid=host][data-host="${container.host}"] [data-container="${container.id}"]`);
    assert.equal(await card.getByTestId('container-state').textContent(), 'running', `container ${container.id} on ${container.host}`);
    assert.match((await card.textContent()) ?? '', new RegExp(`Mesos task ${container.taskId}`));
  }
  const tasks = page.getByTestId('task');
  await tasks.nth(3).waitFor();
  const names = await tasks.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-task')));
  assert.deepEqual(names.sort(), ['Partition 0', 'Partition 1', 'Partition 2', 'Partition 3']);

  const first = await throughputReading(page);
  const second = await throughputReading(page, first);
  assert.notEqual(second, first, 'the throughput moved');
}

describe('the scheduler dashboard in a browser', { timeout: 240_000 }, () => {
  it('shows the containers per host, their tasks and standby replicas, and a throughput figure that moves', async (t) => {
    const browser = await launchBrowser(t);
    const { job, kafka, api } = await startWordCountOnMiniMesos(t, { partitions: 4, standbys: 1 });
    keepProducing(t, kafka, job.words);
    const view = await waitForJob(
      api,
      'two containers running and reporting their four tasks',
      (state) => running(2)(state) && reporting(4)(state),
      90_000,
    );

    const { page, refused, errors } = await loopbackPage(browser);
    await page.goto(`${api}/`);
    try {
      await showsTheJob(page, view);
      // With one standby each, either container keeps warm copies of the other's two tasks, each with its lag once copied.
      for (const container of view.containers) {
        const others = view.containers.filter((other) => other.id !== container.id).flatMap((other) => other.status?.tasks ?? []);
        const standbys = page.locator(`[data-container="${container.id}"] [data-testid=standby]`);
        await standbys
          .filter({ hasText: /\(lag \d/ })
          .nth(1)
          .waitFor();
        const names = await standbys.evaluateAll((items) => items.map((item) => item.getAttribute('data-task')));
        assert.deepEqual(names.sort(), others.map((task) => task.name).sort(), `container ${container.id}'s standbys`);
      }
    } finally {
      // Also when something failed: the page as it was is the best clue.
      await page.screenshot({ path: join(testLogDir(), `dashboard-${job.name}.png`), fullPage: true });
    }
    assert.deepEqual(refused, [], 'the page asked for nothing but the scheduler');
    assert.deepEqual(errors, [], 'the page script ran without errors');
  });

  it('over HTTPS with a read token, asks for the token, refuses a wrong one, then shows the job; the token is in no URL', async (t) => {
    const browser = await launchBrowser(t);
    const files = tlsFiles();
    const http = await startSchedulerHttp('wc', fakeScheduler().service, {
      port: 0,
      tls: { cert: files.cert, key: files.key },
      tokens: { read: 'r34d-dashboard', write: 'wr1te-dashboard' },
    });
    t.after(() => http.close());
    const { page, refused, errors } = await loopbackPage(browser, { acceptTestCertificates: true });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${http.url}/`);
    try {
      const login = page.getByTestId('login');
      await login.waitFor({ state: 'visible' });
      assert.equal(await page.getByTestId('framework-id').textContent(), '—', 'nothing of the job before the token');
      await page.getByTestId('token').fill('wrong');
      await page.getByRole('button', { name: 'Show the job' }).click();
      await page.getByTestId('login-error').filter({ hasText: 'that token was refused' }).waitFor();
      await page.getByTestId('token').fill('r34d-dashboard');
      await page.getByRole('button', { name: 'Show the job' }).click();
      await page.getByTestId('framework-id').filter({ hasText: 'fw-1' }).waitFor();
      await login.waitFor({ state: 'hidden' });
      assert.equal(await page.getByTestId('container').count(), 2);
      // The tab keeps the token: a reload shows the job without asking again.
      await page.reload();
      await page.getByTestId('framework-id').filter({ hasText: 'fw-1' }).waitFor();
      assert.equal(await login.isHidden(), true);
    } finally {
      await page.screenshot({ path: join(testLogDir(), 'dashboard-token.png'), fullPage: true });
    }
    assert.ok(
      requested.some((url) => url.endsWith('/api/v1/job')),
      'the page asked for the job state',
    );
    assert.deepEqual(
      requested.filter((url) => /r34d|wrong/.test(url)),
      [],
      'no token in any URL',
    );
    assert.deepEqual(refused, []);
    assert.deepEqual(errors, []);
  });
});
