/**
 * Reads a Marathon app definition of a Sluice scheduler and checks what `sluice submit` relies on
 * before anything is sent, so a mistake is named with its file and field instead of coming back
 * as a deployment that never turns healthy. Marathon checks the rest itself (a 422 answer).
 */
import { readFile } from 'node:fs/promises';
import { describeError, SluiceError } from '../../shared/errors.js';

export interface MarathonApp {
  /** The app id as written, e.g. `/sluice/word-count`. */
  readonly id: string;
  /** The file's text, sent to Marathon unchanged. */
  readonly text: string;
}

/** Marathon's id grammar: slash-separated segments of lowercase letters, digits, '-' and '.'. */
const APP_ID = /^\/?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)*$/;
const HTTP_CHECK_PROTOCOLS = ['MESOS_HTTP', 'MESOS_HTTPS', 'HTTP', 'HTTPS'];

export async function readMarathonApp(file: string): Promise<MarathonApp> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SluiceError('MARATHON_APP_UNREADABLE', `cannot read the app definition ${file}: ${describeError(error)}`, {
      cause: error,
      context: { file },
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SluiceError('MARATHON_APP_INVALID', `${file} is not JSON: ${describeError(error)}`, { cause: error, context: { file } });
  }
  const problems = appProblems(parsed);
  if (problems.length > 0) {
    throw new SluiceError(
      'MARATHON_APP_INVALID',
      [`${file} is not a Sluice scheduler app Marathon can run:`, ...problems.map((problem) => `  ${problem}`)].join('\n'),
      {
        context: { file },
      },
    );
  }
  return { id: (parsed as { id: string }).id, text };
}

/** One line per field that is missing or wrong: `field: expected …, got …`. */
export function appProblems(app: unknown): string[] {
  if (!isObject(app)) return [`the top level: expected a JSON object (an app definition), got ${shown(app)}`];
  const problems: string[] = [];
  if (typeof app.id !== 'string' || !APP_ID.test(app.id)) {
    problems.push(
      `id: expected an app id like "/sluice/word-count" (lowercase letters, digits, '-' and '.', segments separated by '/'), got ${shown(app.id)}`,
    );
  }
  const hasCmd = typeof app.cmd === 'string' && app.cmd.trim() !== '';
  const image = isObject(app.container) && isObject(app.container.docker) ? app.container.docker.image : undefined;
  if (!hasCmd && !(typeof image === 'string' && image !== '')) {
    problems.push(
      `cmd or container: expected a "cmd" that starts \`sluice scheduler …\`, or a "container" with "docker": {"image": …}, got neither`,
    );
  }
  if (app.instances !== 1) {
    problems.push(
      `instances: expected 1 (the scheduler is a singleton: Marathon restarts it, ZooKeeper keeps a second one a standby), got ${shown(app.instances)}`,
    );
  }
  problems.push(...healthCheckProblems(app.healthChecks));
  return problems;
}

function healthCheckProblems(checks: unknown): string[] {
  const example = 'e.g. {"protocol": "MESOS_HTTP", "portIndex": 0, "path": "/health"}';
  if (!Array.isArray(checks) || checks.length === 0) {
    return [
      `healthChecks: expected at least one health check, so Marathon replaces a scheduler that stops answering (${example}), got ${shown(checks)}`,
    ];
  }
  const problems: string[] = [];
  checks.forEach((check, index) => {
    const field = `healthChecks[${index}]`;
    if (!isObject(check) || typeof check.protocol !== 'string')
      problems.push(`${field}: expected an object with a "protocol" (${example}), got ${shown(check)}`);
    else if (HTTP_CHECK_PROTOCOLS.includes(check.protocol) && check.path !== '/health') {
      problems.push(`${field}.path: expected "/health" (the scheduler answers health there), got ${shown(check.path)}`);
    }
  });
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
