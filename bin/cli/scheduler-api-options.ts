/**
 * The options every command that talks to a running scheduler shares: where it is (--scheduler,
 * else $SLUICE_SCHEDULER), the API token (--token-file, --token, else $SLUICE_API_TOKEN: the read
 * token shows the job, the write token also changes it) and the CA of an https scheduler (--ca).
 */
import { SchedulerApiClient } from '../../scheduler/http/api-client.js';
import { readTokenFile } from '../../shared/http/secret-files.js';
import { readSecretFile } from '../../shared/secret-file.js';
import { UsageError, type Command } from './cli.js';

export const SCHEDULER_API_OPTIONS = {
  scheduler: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  ca: { type: 'string' },
} as const satisfies Command['options'];

export const SCHEDULER_API_USAGE = [
  "  --scheduler URL  the scheduler's API, http(s)://host:port (default $SLUICE_SCHEDULER)",
  '  --token-file F   a file holding the API token: the read token shows the job, the write token also',
  '                   rescales and kills',
  '  --token T        the token itself (default $SLUICE_API_TOKEN); prefer --token-file: a flag shows in ps',
  '  --ca F           PEM CA certificate(s) an https scheduler is checked against (default: the system CAs)',
];

export async function schedulerApiClient(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SchedulerApiClient> {
  const given = typeof values.scheduler === 'string' ? values.scheduler : env.SLUICE_SCHEDULER;
  if (given === undefined || given === '')
    throw new UsageError('--scheduler is required (or set SLUICE_SCHEDULER), e.g. --scheduler http://127.0.0.1:8080');
  if (!/^https?:\/\/[^/\s]+\/?$/.test(given)) throw new UsageError(`--scheduler expects http(s)://host:port, got '${given}'`);
  if (typeof values.ca === 'string' && !given.startsWith('https:'))
    throw new UsageError(`--ca is for an https scheduler, but --scheduler is ${given}`);
  const token =
    typeof values['token-file'] === 'string'
      ? await readTokenFile(values['token-file'], '--token-file')
      : typeof values.token === 'string'
        ? values.token
        : env.SLUICE_API_TOKEN;
  const ca = typeof values.ca === 'string' ? await readSecretFile(values.ca, '--ca') : undefined;
  return new SchedulerApiClient(given.replace(/\/$/, ''), { token, ca });
}
