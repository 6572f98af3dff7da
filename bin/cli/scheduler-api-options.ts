/**
 * The options every command that talks to a running scheduler shares: where it is (--scheduler,
 * else $SLUICE_SCHEDULER) and the API token (--token, else $SLUICE_API_TOKEN).
 */
import { SchedulerApiClient } from '../../scheduler/http/api-client.js';
import { UsageError, type Command } from './cli.js';

export const SCHEDULER_API_OPTIONS = { scheduler: { type: 'string' }, token: { type: 'string' } } as const satisfies Command['options'];

export const SCHEDULER_API_USAGE = [
  "  --scheduler URL  the scheduler's API, http://host:port (default $SLUICE_SCHEDULER)",
  '  --token T        the API token, when the scheduler was started with one (default $SLUICE_API_TOKEN)',
];

export function schedulerApiClient(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): SchedulerApiClient {
  const given = typeof values.scheduler === 'string' ? values.scheduler : env.SLUICE_SCHEDULER;
  if (given === undefined || given === '')
    throw new UsageError('--scheduler is required (or set SLUICE_SCHEDULER), e.g. --scheduler http://127.0.0.1:8080');
  if (!/^https?:\/\/[^/\s]+\/?$/.test(given)) throw new UsageError(`--scheduler expects http://host:port, got '${given}'`);
  const token = typeof values.token === 'string' ? values.token : env.SLUICE_API_TOKEN;
  return new SchedulerApiClient(given.replace(/\/$/, ''), token);
}
