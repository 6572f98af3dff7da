import assert from 'node:assert/strict';
import { compileJobConfig } from '../../../shared/config/job-config.js';

/** The message a job config (read from /jobs/job.yaml) is refused with; fails the test if it is accepted. */
export function problems(raw: unknown): string {
  try {
    compileJobConfig(raw, '/jobs/job.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('expected the config to be refused');
}
