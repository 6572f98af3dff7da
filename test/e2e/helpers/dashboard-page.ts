/**
 * The scheduler's dashboard in headless Chromium: Debian's `chromium` (or CHROMIUM_PATH) through
 * playwright-core, closed by the test's `after` hook; pages that may ask for 127.0.0.1 only; and
 * what a test reads off the page.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium, or CHROMIUM_PATH; a missing browser fails the test (it is no reason to skip). */
function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  const path = given ?? spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(
    path !== '' && existsSync(path),
    `the dashboard tests need Chromium and found none ${given === undefined ? 'on the PATH' : `at CHROMIUM_PATH=${given}`}: ` +
      "`npm test` installs Debian's chromium when it runs as root (else `sudo apt-get install -y chromium`), or set CHROMIUM_PATH",
  );
  return path;
}

export async function launchBrowser(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Chromium refuses its sandbox to root (CI runs as root); the page it opens is ours, on loopback.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-background-networking', '--disable-component-update'],
  });
  t.after(() => browser.close());
  return browser;
}

/**
 * A new page that is refused anything but 127.0.0.1; `refused` lists what it asked for nonetheless.
 * `acceptTestCertificates`: the page trusts any certificate (Chromium cannot be given the test CA).
 */
export async function loopbackPage(
  browser: Browser,
  options: { acceptTestCertificates?: boolean } = {},
): Promise<{ page: Page; refused: string[]; errors: string[] }> {
  const page = await browser.newPage({
    viewport: { width: 1280, height: 900 },
    ignoreHTTPSErrors: options.acceptTestCertificates === true,
  });
  const refused: string[] = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    refused.push(url.href);
    return route.abort('blockedbyclient');
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, refused, errors };
}

/** The throughput figure once it is a number (messages/s), polling the page. */
export async function throughputReading(page: Page, differentFrom?: string): Promise<string> {
  const figure = page.getByTestId('throughput');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = (await figure.textContent()) ?? '';
    if (/^[\d,.]+$/.test(text) && text !== differentFrom) return text;
    assert.ok(
      Date.now() < deadline,
      `the throughput figure did not ${differentFrom === undefined ? 'show a number' : `move from ${differentFrom}`} within 30 s (it shows '${text}')`,
    );
    await page.waitForTimeout(500);
  }
}

export interface ContainerOnPage {
  readonly host: string;
  readonly id: string;
  readonly state: string;
  readonly taskId: string;
}

/** Each container card as the page shows it: the host section it is in, its state and Mesos task, by id. */
export async function containersOnPage(page: Page): Promise<ContainerOnPage[]> {
  const cards = await page.locator('[data-testid=host] [data-testid=container]').evaluateAll((elements) =>
    elements.map((card) => ({
      host: card.closest('[data-testid=host]')?.getAttribute('data-host') ?? '',
      id: card.getAttribute('data-container') ?? '',
      state: card.querySelector('[data-testid=container-state]')?.textContent ?? '',
      text: card.textContent ?? '',
    })),
  );
  return cards
    .map(({ text, ...card }) => ({ ...card, taskId: /Mesos task (\S+)/.exec(text)?.[1] ?? '' }))
    .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** The task names in the page's task tables, sorted. */
export async function tasksOnPage(page: Page): Promise<string[]> {
  const names = await page.getByTestId('task').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-task') ?? ''));
  return names.sort();
}
