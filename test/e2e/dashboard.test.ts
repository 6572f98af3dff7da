import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { setLogLevel } from '../../shared/log.js';
import type { JobView } from '../../scheduler/http/job-state.js';
import { testLogDir } from '../infra/services.js';
import { keepProducing, reporting, running, startWordCountOnMiniMesos, waitForJob } from '../unit/scheduler/http/helpers/word-count-on-mini-mesos.js';

setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'warn');

/** Debian's chromium, or CHROMIUM_PATH; a missing browser fails the test (it is no reason to skip). */
function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  const path = given ?? spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(
    path !== '' && existsSync(path),
    `the dashboard test needs Chromium and found none ${given === undefined ? 'on the PATH' : `at CHROMIUM_PATH=${given}`}: ` +
      'install it with `bash test/infra/install-system-packages.sh` (Debian package chromium), or set CHROMIUM_PATH',
  );
  return path;
}

async function launchBrowser(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Chromium refuses its sandbox to root (CI runs as root); the page it opens is ours, on loopback.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-background-networking', '--disable-component-update'],
  });
  t.after(() => browser.close());
  return browser;
}

/** Fails when anything but 127.0.0.1 is asked for: the page must be self-contained and the test loopback only. */
async function loopbackOnly(page: Page): Promise<string[]> {
  const refused: string[] = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    refused.push(url.href);
    return route.abort('blockedbyclient');
  });
  return refused;
}

/** The throughput figure once it is a number (messages/s), polling the page. */
async function throughputReading(page: Page, differentFrom?: string): Promise<string> {
  const figure = page.getByTestId('throughput');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = (await figure.textContent()) ?? '';
    if (/^[\d,.]+$/.test(text) && text !== differentFrom) return text;
    assert.ok(Date.now() < deadline, `the throughput figure did not ${differentFrom === undefined ? 'show a number' : `move from ${differentFrom}`} within 30 s (it shows '${text}')`);
    await page.waitForTimeout(500);
  }
}

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
  it('shows the containers per host, their tasks, and a throughput figure that moves', async (t) => {
    const browser = await launchBrowser(t);
    const { job, kafka, api } = await startWordCountOnMiniMesos(t, { partitions: 4 });
    keepProducing(t, kafka, job.words);
    const view = await waitForJob(api, 'two containers running and reporting their four tasks', (state) => running(2)(state) && reporting(4)(state), 90_000);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const refused = await loopbackOnly(page);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${api}/`);
    try {
      await showsTheJob(page, view);
    } finally {
      // Also when something failed: the page as it was is the best clue.
      await page.screenshot({ path: join(testLogDir(), `dashboard-${job.name}.png`), fullPage: true });
    }
    assert.deepEqual(refused, [], 'the page asked for nothing but the scheduler');
    assert.deepEqual(errors, [], 'the page script ran without errors');
  });
});
