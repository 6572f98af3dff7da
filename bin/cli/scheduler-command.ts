import { readFileSync } from 'node:fs';
import os from 'node:os';
import { loadJobConfig, type CompiledJobConfig } from '../../shared/config/job-config.js';
import { describeError } from '../../shared/errors.js';
import { createLogger } from '../../shared/log.js';
import { DEFAULT_PLANNER_TIMINGS, type StateStorage } from '../../scheduler/planner/index.js';
import { FRAMEWORK_DEFAULTS, type FrameworkOptions } from '../../scheduler/framework/framework-options.js';
import { parseMasterAddress } from '../../scheduler/framework/master-address.js';
import { startSchedulerHttp } from '../../scheduler/http/server.js';
import type { ApiTokens } from '../../shared/http/bearer-auth.js';
import type { ApiAccess } from '../../shared/http/http-request.js';
import type { ServerTls } from '../../shared/http/limited-server.js';
import { readServerTls, readTokenFile } from '../../shared/http/secret-files.js';
import { readSecretFile } from '../../shared/secret-file.js';
import { SchedulerService } from '../../scheduler/scheduler-service.js';
import { readZkCredentials } from '../../shared/coordination/zk-credentials.js';
import { ExitCode, UsageError, type Command } from './cli.js';

type Values = Record<string, string | boolean | undefined>;

export const schedulerCommand: Command = {
  name: 'scheduler',
  summary: 'the Mesos framework scheduler of a job (one leader among standbys, via ZooKeeper)',
  usage: [
    'Usage: sluice scheduler --config <job.yaml> --master <url> --zk <connect> --kafka <brokers> --bundle-uri <uri> [options]',
    '',
    "Joins the job's scheduler election in ZooKeeper; the leader subscribes to Mesos as the job's",
    'framework (the FrameworkID is kept in ZooKeeper, so a standby fails over to it) and launches',
    'one `sluice executor` per container of the job model. Runs until SIGINT/SIGTERM.',
    '',
    'Required:',
    '  --config FILE            the job config (YAML or JSON)',
    '  --master URL             http://host:5050 or zk://host:2181[,host:2181]/mesos',
    "  --zk CONNECT             ZooKeeper for Sluice, host:port[,host:port][/chroot]; with the config's",
    "                           zookeeper.auth the job's nodes are for its digest identity alone",
    "  --kafka LIST             Kafka bootstrap brokers, host:port[,host:port] (default: the config's kafka.brokers)",
    '  --bundle-uri URI         the Sluice bundle the Mesos fetcher downloads into each sandbox',
    'Options:',
    '  --port N                 HTTP API port (default $PORT0, else 8080; 0 picks a free one)',
    '  --host ADDR              HTTP API address (default 0.0.0.0)',
    "  --advertise URL          this API as others reach it; standbys name the leader's (default",
    '                           http://$HOST-or-hostname:port, none with --port 0)',
    '  --executor-command CMD   shell command starting the executor (default: node dist/bin/sluice.js executor)',
    '  --executor-config PATH   the job config as the executor sees it (default: --config)',
    '  --role ROLE              Mesos role (default sluice)      --principal P   (default sluice)',
    "  --secret-file FILE       the principal's framework auth secret, sent as HTTP basic auth (default",
    '                           $SLUICE_MESOS_SECRET_FILE; none: no auth). Never on the command line: args are public',
    '  --user USER              user the executors run as (default: the current user)',
    '  --failover-timeout SECS  how long Mesos keeps the tasks without a scheduler (default 604800, a week)',
    '  --cpus N --mem MB --disk MB   resources per container (default 0.5, 512, 256)',
    '  --volume-mb MB           persistent volume per container for its stores (default 1024; 0: --state-dir on the agent)',
    "  --state-dir DIR          stores on the agent host when --volume-mb is 0 (default: the config's state-dir)",
    '  --election-session-ms N  ZooKeeper session of this scheduler (default 10000): a dead leader is replaced',
    '                           after about this long; shorter means a pause or network blip that long',
    '                           hands the framework to a standby (ZooKeeper allows 2-20 of its ticks)',
    'API security (docs/security.md; tokens and keys are read from files and never logged):',
    '  --tls-cert FILE --tls-key FILE   serve the API over HTTPS with this PEM certificate chain and key',
    '  --write-token-file FILE  the write token: rescale and kill need it, and it reads too (default: --token,',
    '                           else $SLUICE_API_TOKEN; none: mutations are open)',
    '  --token T                the write token itself; prefer --write-token-file (a flag shows in ps)',
    '  --read-token-file FILE   the read token: the job state, store queries and /metrics need it or the',
    "                           write token (default: the job config's api.read-token-file, else",
    '                           $SLUICE_API_READ_TOKEN; none: reads are open). Needs a write token.',
    '                           The scheduler sends it to the containers when the job config names',
    '                           api.read-token-file. /health and the dashboard page stay open.',
    "  --tls-ca FILE            PEM CA the containers' certificates are checked against when the job",
    "                           config's api.tls is set (default: api.tls.ca-file, else the system CAs)",
  ].join('\n'),
  options: Object.fromEntries(
    [
      'config',
      'master',
      'zk',
      'kafka',
      'bundle-uri',
      'port',
      'host',
      'advertise',
      'executor-command',
      'executor-config',
      'role',
      'principal',
      'secret-file',
      'user',
      'failover-timeout',
      'cpus',
      'mem',
      'disk',
      'volume-mb',
      'state-dir',
      'token',
      'write-token-file',
      'read-token-file',
      'tls-cert',
      'tls-key',
      'tls-ca',
      'election-session-ms',
    ].map((name) => [name, { type: 'string' as const }]),
  ),
  async run({ values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const required = (name: string): string => {
      const value = values[name];
      if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
      return value;
    };
    const configFile = required('config');
    try {
      parseMasterAddress(required('master'));
    } catch (error) {
      throw error instanceof UsageError ? error : new UsageError(describeError(error));
    }
    const zookeeper = required('zk');
    const bundleUri = required('bundle-uri');
    const config = await loadJobConfig(configFile);
    const brokers = typeof values.kafka === 'string' ? values.kafka.split(',') : config.kafka.brokers;
    if (brokers === undefined) throw new UsageError('--kafka is required (the job config names no kafka.brokers)');
    if (!brokers.every((broker) => /^[^:\s]+:\d+$/.test(broker)))
      throw new UsageError(`--kafka expects host:port[,host:port], got '${brokers.join(',')}'`);
    const port = number(values, 'port', Number(process.env.PORT0 ?? 8080), 0);
    const host = typeof values.host === 'string' ? values.host : '0.0.0.0';
    const security = await apiSecurity(values, config);
    const apiUrl = advertisedUrl(values, host, port, security.tls === undefined ? 'http' : 'https');
    // The Mesos UI links to it; standbys name it to clients while this process leads.
    const framework = {
      ...frameworkOptions(values, config, configFile, brokers, zookeeper, bundleUri),
      ...(apiUrl === undefined ? {} : { webuiUrl: apiUrl }),
      containerApi: security.containerApi,
    };

    const log = createLogger({ job: config.name, component: 'scheduler-command' });
    const electionSessionMs = number(values, 'election-session-ms', 10_000, 1_000);
    const zookeeperAuth = await readZkCredentials(config.zookeeper);
    const service = new SchedulerService({
      framework,
      zookeeper,
      electionSessionMs,
      ...(zookeeperAuth === undefined ? {} : { zookeeperAuth }),
      ...(apiUrl === undefined ? {} : { apiUrl }),
    }).start();
    await service.started();
    const { tokens, tls } = security;
    const http = await startSchedulerHttp(config.name, service, { port, host, tokens, ...(tls === undefined ? {} : { tls }) }).catch(
      async (error: unknown) => {
        await service.stop();
        throw error;
      },
    );
    log.info('scheduler started', {
      api: http.url,
      master: framework.master,
      mutations: tokens.write ? 'need the write token' : 'open (no write token)',
      reads: tokens.read ? 'need the read token' : 'open (no read token)',
      containers: security.containerApi.token ? 'sent the read token' : 'open',
    });
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    log.info('stopping: the tasks keep running until a scheduler fails over or the failover timeout ends');
    await service.stop();
    await http.close();
    return ExitCode.ok;
  },
};

/**
 * This API's URL as clients reach it: --advertise, else from the port (Marathon sets HOST to the
 * agent's hostname; a wildcard address is no place to send anyone). A port picked at random (0)
 * is not known yet, so none then.
 */
function advertisedUrl(values: Values, host: string, port: number, scheme: 'http' | 'https'): string | undefined {
  if (typeof values.advertise === 'string') {
    if (!/^https?:\/\/[^/\s]+$/.test(values.advertise))
      throw new UsageError(`--advertise expects http(s)://host:port, got '${values.advertise}'`);
    return values.advertise;
  }
  if (port === 0) return undefined;
  return `${scheme}://${host === '0.0.0.0' ? (process.env.HOST ?? os.hostname()) : host}:${port}`;
}

interface ApiSecurity {
  readonly tokens: ApiTokens;
  readonly tls: ServerTls | undefined;
  /** What the scheduler trusts and sends when it reads the containers' endpoints. */
  readonly containerApi: ApiAccess;
}

/** The API's tokens and certificate, and the containers' CA, from the files the flags and the job config name. */
async function apiSecurity(values: Values, config: CompiledJobConfig): Promise<ApiSecurity> {
  const text = (name: string): string | undefined => (typeof values[name] === 'string' && values[name] !== '' ? values[name] : undefined);
  const [certFile, keyFile] = [text('tls-cert'), text('tls-key')];
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tls =
    certFile === undefined || keyFile === undefined
      ? undefined
      : await readServerTls(certFile, keyFile, { cert: '--tls-cert', key: '--tls-key' });
  const writeFile = text('write-token-file');
  const write =
    writeFile !== undefined ? await readTokenFile(writeFile, '--write-token-file') : (text('token') ?? process.env.SLUICE_API_TOKEN);
  const readFile = text('read-token-file');
  const configTokenFile = config.api?.readTokenFile;
  const read =
    readFile !== undefined
      ? await readTokenFile(readFile, '--read-token-file')
      : configTokenFile !== undefined
        ? await readTokenFile(configTokenFile, 'api.read-token-file')
        : process.env.SLUICE_API_READ_TOKEN;
  if (read && !write) {
    throw new UsageError(
      'a read token without a write token would leave rescale and kill open to anyone: give --write-token-file (or --token, SLUICE_API_TOKEN)',
    );
  }
  const caFile = text('tls-ca') ?? config.api?.tls?.caFile;
  const ca = caFile === undefined ? undefined : await readSecretFile(caFile, text('tls-ca') === undefined ? 'api.tls.ca-file' : '--tls-ca');
  return {
    tokens: { read, write },
    tls,
    // Only containers that ask for the token get it: it never travels to one that would not check it.
    containerApi: { ca, ...(configTokenFile === undefined ? {} : { token: read }) },
  };
}

function number(values: Values, name: string, fallback: number, min: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < min)
    throw new UsageError(`--${name} expects a number >= ${min}, got '${String(raw)}'`);
  return value;
}

/** The framework secret from its file (a trailing newline dropped); '' without a file. Mesos's basic authenticator splits at ':'. */
function mesosSecret(file: string): string {
  if (file === '') return '';
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new UsageError(`--secret-file: cannot read ${file}: ${describeError(error)}`);
  }
  if (secret === '' || secret.includes(':') || secret.includes('\n'))
    throw new UsageError(
      `--secret-file ${file} must hold one line, the secret, without ':' (Mesos's basic authentication cannot carry one)`,
    );
  return secret;
}

function frameworkOptions(
  values: Values,
  config: CompiledJobConfig,
  configFile: string,
  brokers: readonly string[],
  zookeeper: string,
  bundleUri: string,
): FrameworkOptions {
  const text = (name: string, fallback: string): string =>
    typeof values[name] === 'string' && values[name] !== '' ? (values[name] as string) : fallback;
  const volumeMb = number(values, 'volume-mb', 1024, 0);
  const storage: StateStorage =
    volumeMb > 0
      ? { kind: 'persistent-volume', sizeMb: volumeMb, containerPath: 'state' }
      : { kind: 'host-dir', path: text('state-dir', config.stateDir) };
  // In a host dir shared by the containers of an agent, a task's copy and its owner would share one store directory.
  if (storage.kind === 'host-dir' && config.task.standbys > 0)
    throw new UsageError(
      `task.standbys (${config.task.standbys}) needs a persistent volume per container (--volume-mb > 0): ` +
        "with --volume-mb 0 the containers of an agent share --state-dir, and a standby copy would share its owner's store directory",
    );
  const secret = mesosSecret(text('secret-file', process.env.SLUICE_MESOS_SECRET_FILE ?? ''));
  const defaults = FRAMEWORK_DEFAULTS.resources;
  return {
    config,
    master: text('master', ''),
    kafkaBrokers: brokers,
    role: text('role', FRAMEWORK_DEFAULTS.role),
    principal: text('principal', FRAMEWORK_DEFAULTS.principal),
    ...(secret === '' ? {} : { secret }),
    user: text('user', os.userInfo().username),
    failoverTimeoutSeconds: number(values, 'failover-timeout', FRAMEWORK_DEFAULTS.failoverTimeoutSeconds, 0),
    resources: {
      cpus: number(values, 'cpus', defaults.cpus, 0.01),
      memMb: number(values, 'mem', defaults.memMb, 32),
      diskMb: number(values, 'disk', defaults.diskMb, 0),
      ports: 0,
    },
    storage,
    timings: DEFAULT_PLANNER_TIMINGS,
    launch: {
      bundleUri,
      executorCommand: text('executor-command', 'node dist/bin/sluice.js executor'),
      jobConfig: text('executor-config', configFile),
      zookeeper,
      kafkaBrokers: brokers,
    },
    reviveMinIntervalMs: FRAMEWORK_DEFAULTS.reviveMinIntervalMs,
  };
}
