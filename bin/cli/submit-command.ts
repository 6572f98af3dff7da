import { describeError, SluiceError } from '../../shared/errors.js';
import { ExitCode, UsageError, type Command } from './cli.js';
import { readMarathonApp, type MarathonApp } from './marathon-app.js';

/** Marathon answers a submission at once (the deployment runs after); longer means it is stuck. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Enough of an unexpected answer to see what it is without flooding the terminal. */
const BODY_SHOWN_CHARS = 2_000;

export const submitCommand: Command = {
  name: 'submit',
  summary: "submit a job's scheduler to Marathon as an app (POST /v2/apps)",
  usage: [
    'Usage: sluice submit --marathon URL <app.json> [--update] [--token T]',
    '',
    'Checks the Marathon app definition of a Sluice scheduler (an id, a cmd or a container image,',
    'instances 1, a health check on /health), sends it to Marathon and says what Marathon made of',
    'it: created (with the deployment to watch), already there, or invalid (each field and why).',
    'Marathon then runs the scheduler and restarts it when its health check fails.',
    '',
    'Example: sluice submit --marathon http://127.0.0.1:8080 deploy/marathon/word-count.json',
    '',
    'Options:',
    "  --marathon URL   Marathon's address, http://host:port (or the https://…/marathon of DC/OS)",
    '  --update         replace the definition of an app Marathon already has (PUT /v2/apps/<id>?force=true);',
    '                   Marathon restarts the scheduler with it',
    "  --token T        Marathon's access token (DC/OS), sent as `Authorization: token=T`",
    '',
    'Exit codes: 0 created or updated, 1 Marathon refused it or the file is not a valid app, 2 bad arguments.',
  ].join('\n'),
  options: { marathon: { type: 'string' }, update: { type: 'boolean' }, token: { type: 'string' } },
  async run({ values, positionals }) {
    const marathon = marathonUrl(values.marathon);
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw new UsageError('expected exactly one app definition file, e.g. deploy/marathon/word-count.json');
    if (values.token === '') throw new UsageError("--token expects Marathon's access token, got an empty one");
    const app = await readMarathonApp(file);
    const update = values.update === true;
    const answer = await send(marathon, app, update, typeof values.token === 'string' ? values.token : undefined);
    process.stdout.write(accepted(marathon, app, answer, file));
    return ExitCode.ok;
  },
};

interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown;
}

/** Marathon's base URL without a trailing slash, or a usage error saying what was expected. */
function marathonUrl(given: string | boolean | undefined): string {
  const expected = "Marathon's address, http://host:port (or https://…/marathon behind DC/OS)";
  if (typeof given !== 'string' || given === '')
    throw new UsageError(`--marathon is required: ${expected}, e.g. --marathon http://127.0.0.1:8080`);
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--marathon expects ${expected}, got '${given}'`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.search !== '' || url.hash !== '')
    throw new UsageError(`--marathon expects ${expected}, got '${given}'`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The app's path under /v2/apps: its id without the leading slash. */
function appPath(app: MarathonApp): string {
  return app.id.replace(/^\//, '');
}

async function send(marathon: string, app: MarathonApp, update: boolean, token: string | undefined): Promise<Answer> {
  // force=true: an update must not wait behind a deployment that never finishes (an unhealthy
  // scheduler is the usual reason to update it).
  const url = update ? `${marathon}/v2/apps/${appPath(app)}?force=true` : `${marathon}/v2/apps`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: update ? 'PUT' : 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `token=${token}` }) },
      body: app.text,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause !== undefined ? describeError(error.cause) : describeError(error);
    throw new SluiceError(
      'MARATHON_UNREACHABLE',
      `cannot reach Marathon at ${marathon}: ${cause}; check --marathon and that Marathon is running (${marathon}/ping answers pong)`,
      {
        retriable: true,
        cause: error,
        context: { marathon },
      },
    );
  }
  const text = await response.text();
  const answer = { status: response.status, statusText: response.statusText, headers: response.headers, text, body: parseJson(text) };
  if (answer.status === 200 || answer.status === 201) return answer;
  throw refusal(marathon, app, answer, update);
}

/** What to print when Marathon took the app. */
function accepted(marathon: string, app: MarathonApp, answer: Answer, file: string): string {
  const deployment = deploymentOf(answer);
  const what = answer.status === 201 ? 'created' : 'updated';
  return [
    `${what} ${app.id} on Marathon ${marathon} from ${file}${deployment === undefined ? '' : ` (deployment ${deployment})`}`,
    `watch it: ${marathon}/ui/#/apps/${encodeURIComponent(`/${appPath(app)}`)}  (or GET ${marathon}/v2/deployments)`,
    "the scheduler is up when Marathon reports the app healthy: its health check asks /health on the app's first port",
    '',
  ].join('\n');
}

/** The error for every answer but 200/201, worded as what the user can do about it. */
function refusal(marathon: string, app: MarathonApp, answer: Answer, update: boolean): SluiceError {
  const said = messageOf(answer);
  const context = { marathon, app: app.id, status: answer.status };
  if (answer.status === 409 && !update) {
    return new SluiceError(
      'MARATHON_APP_EXISTS',
      [
        `Marathon already has an app ${app.id}${said === undefined ? '' : ` ("${said}")`}.`,
        `To replace its definition, run again with --update (PUT ${marathon}/v2/apps/${appPath(app)}?force=true);`,
        `to start over, remove it first: curl -X DELETE ${marathon}/v2/apps/${appPath(app)}`,
      ].join('\n'),
      { context },
    );
  }
  const details = validationDetails(answer.body);
  if ((answer.status === 422 || answer.status === 400) && details.length > 0) {
    return new SluiceError(
      'MARATHON_APP_REJECTED',
      [
        `Marathon rejected ${app.id} as invalid (${answer.status}${said === undefined ? '' : `: ${said}`}); fix these fields and submit again:`,
        ...details.map((line) => `  ${line}`),
      ].join('\n'),
      { context },
    );
  }
  if (answer.status === 401 || answer.status === 403) {
    return new SluiceError(
      'MARATHON_UNAUTHORIZED',
      `Marathon refused the request (${answer.status} ${answer.statusText}${said === undefined ? '' : `: ${said}`}): pass an access token allowed to deploy ${app.id} with --token (on DC/OS: \`dcos config show core.dcos_acs_token\`)`,
      { context },
    );
  }
  const body = answer.text.length > BODY_SHOWN_CHARS ? `${answer.text.slice(0, BODY_SHOWN_CHARS)}…` : answer.text;
  return new SluiceError(
    'MARATHON_ERROR',
    `Marathon answered ${answer.status} ${answer.statusText} to ${update ? 'the update' : 'the submission'} of ${app.id}: ${body || '(no body)'}`,
    {
      retriable: answer.status >= 500,
      context,
    },
  );
}

/** Marathon's validation errors, one line per field: `/instances: must be ≥ 0`. */
function validationDetails(body: unknown): string[] {
  const details = isObject(body) && Array.isArray(body.details) ? body.details : [];
  return details.filter(isObject).map((detail) => {
    const errors = Array.isArray(detail.errors) ? detail.errors.map(String) : [];
    const path = typeof detail.path === 'string' && detail.path !== '' ? detail.path : '(the app)';
    return `${path}: ${errors.length > 0 ? errors.join('; ') : JSON.stringify(detail)}`;
  });
}

/** The deployment Marathon started: its header, else the app's `deployments` (POST) or `deploymentId` (PUT). */
function deploymentOf(answer: Answer): string | undefined {
  const header = answer.headers.get('marathon-deployment-id');
  if (header) return header;
  if (!isObject(answer.body)) return undefined;
  if (typeof answer.body.deploymentId === 'string') return answer.body.deploymentId;
  const [first] = Array.isArray(answer.body.deployments) ? answer.body.deployments : [];
  return isObject(first) && typeof first.id === 'string' ? first.id : undefined;
}

function messageOf(answer: Answer): string | undefined {
  return isObject(answer.body) && typeof answer.body.message === 'string' ? answer.body.message : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
