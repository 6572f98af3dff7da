import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Acls, Credential, MiniMesosOptions } from '../../dev/mini-mesos/index.js';
import { ExitCode, UsageError, type Command } from './cli.js';

/** One loopback address per agent, 127.0.0.2 … 127.0.0.254. */
const MAX_AGENTS = 253;

export const miniMesosCommand: Command = {
  name: 'mini-mesos',
  summary: 'a local Mesos master and agents for trying Sluice on Mesos (the test double)',
  usage: [
    'Usage: sluice mini-mesos [--agents N] [--work-dir DIR] [--port P] [--zk zk://host:port/path] [--cpus N --mem MB --disk MB]',
    '                         [--credentials FILE --authenticate-http-frameworks] [--acls FILE]',
    '                         [--authenticate-http-executors] [--executor-secret-key FILE]',
    '',
    'Starts the mini Mesos of the test suite: a master on 127.0.0.1 speaking the v1 scheduler API',
    '(JSON at /state) and N agents on 127.0.0.2, 127.0.0.3, … running executors as real processes.',
    'Prints the master URL as the first line, then one line per agent, and runs until SIGINT/SIGTERM',
    '(then it kills the executors and stops).',
    '',
    'Options:',
    '  --agents N     number of agents, 0 to 253 (default 2)',
    '  --work-dir DIR sandboxes and volumes (default: a new temporary directory, kept afterwards)',
    '  --port P       master port on 127.0.0.1 (default 5050; 0 picks a free one)',
    '  --zk URL       announce the master in ZooKeeper like `mesos-master --zk`, for --master zk://…',
    '  --cpus N --mem MB --disk MB   what each agent offers (default 1 cpu, 1024 MB, 10240 MB)',
    'Authentication, like the Mesos flags of the same names:',
    '  --credentials FILE             principals and secrets the master accepts: {"credentials": [{"principal", "secret"}]}',
    '  --authenticate-http-frameworks scheduler API calls need HTTP basic auth with one of them (else 401)',
    '  --acls FILE                    {"permissive": false, "register_frameworks": [{"principals": {"values": [P]},',
    '                                 "roles": {"values": [R]}}]}: a SUBSCRIBE with a role its principal may not use gets ERROR',
    '  --authenticate-http-executors  executors must send the token each gets in MESOS_EXECUTOR_AUTHENTICATION_TOKEN',
    "                                 (Authorization: Bearer; else 401, or 403 with another executor's)",
    '  --executor-secret-key FILE     the key that signs those tokens (default: a random one)',
  ].join('\n'),
  options: {
    ...Object.fromEntries(
      ['agents', 'work-dir', 'port', 'zk', 'cpus', 'mem', 'disk', 'credentials', 'acls', 'executor-secret-key'].map((name) => [
        name,
        { type: 'string' as const },
      ]),
    ),
    'authenticate-http-frameworks': { type: 'boolean' },
    'authenticate-http-executors': { type: 'boolean' },
  },
  async run({ values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const agents = wholeNumber(values, 'agents', 2, MAX_AGENTS);
    const port = wholeNumber(values, 'port', 5050, 65535);
    const zk = typeof values.zk === 'string' ? values.zk : undefined;
    const resources = { cpus: positive(values, 'cpus'), mem: positive(values, 'mem'), disk: positive(values, 'disk') };
    if (zk !== undefined && !/^zk:\/\/[^/\s]+\/\S*[^/\s]/.test(zk))
      throw new UsageError(`--zk expects zk://host:port[,host:port]/path, got '${zk}'`);
    const workDir =
      typeof values['work-dir'] === 'string' ? resolve(values['work-dir']) : await mkdtemp(join(tmpdir(), 'sluice-mini-mesos-'));
    const auth = await authOptions(values);
    // Loaded only for this command: the other commands never pay for the test double.
    const { MiniMesos } = await import('../../dev/mini-mesos/index.js');
    const mesos = await MiniMesos.start({ agents, workDir, port, resources, ...auth, ...(zk === undefined ? {} : { zk }) }).catch(
      (error: unknown) => {
        // Option checks name the option (credentials[0].secret, acls.register_frameworks[1].roles…).
        throw error instanceof TypeError ? new UsageError(error.message) : error;
      },
    );
    process.stdout.write(`${mesos.masterUrl}\n`);
    for (const agent of mesos.agents) process.stdout.write(`agent ${agent.id} ${agent.endpoint} ${agent.workDir}\n`);
    const secured = [auth.authenticateHttpFrameworks ? 'framework' : '', auth.authenticateHttpExecutors ? 'executor' : ''].filter(Boolean);
    process.stderr.write(
      `mini Mesos running (work dir ${workDir}${zk === undefined ? '' : `, announced at ${zk}`}${
        secured.length === 0 ? '' : `, ${secured.join(' and ')} authentication on`
      }); Ctrl-C stops it\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    await mesos.stop();
    return ExitCode.ok;
  },
};

type Values = Record<string, string | boolean | undefined>;

/** The authentication options; the files are read here, their contents checked by the mini Mesos. */
async function authOptions(values: Values): Promise<Partial<MiniMesosOptions>> {
  const credentials = await readJson(values, 'credentials');
  if (credentials !== undefined && !Array.isArray((credentials as { credentials?: unknown }).credentials))
    throw new UsageError(`--credentials expects a JSON file like {"credentials": [{"principal": "…", "secret": "…"}]}`);
  if (values['authenticate-http-frameworks'] === true && credentials === undefined)
    throw new UsageError('--authenticate-http-frameworks needs --credentials FILE');
  const keyFile = values['executor-secret-key'];
  const key = typeof keyFile === 'string' ? (await readText('executor-secret-key', keyFile)).trim() : undefined;
  return {
    ...(credentials === undefined ? {} : { credentials: (credentials as { credentials: Credential[] }).credentials }),
    authenticateHttpFrameworks: values['authenticate-http-frameworks'] === true,
    ...(values.acls === undefined ? {} : { acls: (await readJson(values, 'acls')) as Acls }),
    authenticateHttpExecutors: values['authenticate-http-executors'] === true,
    ...(key === undefined ? {} : { executorSecretKey: key }),
  };
}

async function readJson(values: Values, name: string): Promise<unknown> {
  const file = values[name];
  if (typeof file !== 'string') return undefined;
  const text = await readText(name, file);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--${name} ${file} is not JSON: ${(error as Error).message}`);
  }
}

async function readText(name: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--${name}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/** A whole-number option in [0, max], or `fallback` when it is not given. */
function wholeNumber(values: Values, name: string, fallback: number, max: number): number {
  const value = values[name];
  if (typeof value !== 'string') return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed <= max)) throw new UsageError(`--${name} expects a whole number in [0, ${max}], got '${value}'`);
  return parsed;
}

/** A number > 0, or undefined (the mini Mesos's default) when it is not given. */
function positive(values: Values, name: string): number | undefined {
  const value = values[name];
  if (typeof value !== 'string') return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !(parsed > 0) || !Number.isFinite(parsed))
    throw new UsageError(`--${name} expects a number > 0, got '${value}'`);
  return parsed;
}
