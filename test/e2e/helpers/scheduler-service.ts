/** A SchedulerService for an e2e test (stopped by the test's `after` hook), and polling its state. */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { FrameworkOptions } from '../../../scheduler/framework/framework-options.js';
import { SchedulerService } from '../../../scheduler/scheduler-service.js';
import { zkConnect } from '../../infra/services.js';

/** One scheduler candidate on the test ZooKeeper, retrying a failed framework start quickly. */
export function startService(t: TestContext, options: FrameworkOptions, candidate = 'only'): SchedulerService {
  const service = new SchedulerService({ framework: options, zookeeper: zkConnect(), candidate, retryMs: 200 }).start();
  t.after(() => service.stop());
  return service;
}

/** Polls `probe` every 100 ms until it returns a value; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what} not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
