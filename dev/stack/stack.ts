/**
 * `npm run stack`: the docker-compose topology on one machine without Docker, all on 127.0.0.1 —
 * a real ZooKeeper and Kafka (the test suite's launchers: Apache jars from Maven Central), the
 * mini Mesos with its agents, and `sluice scheduler` running examples/word-count, fed by a
 * bounded producer. Prints the dashboard URL once the containers run and report their tasks.
 * With --mysql it runs the shopping cart with its carts in MySQL instead
 * (examples/shopping-cart/job-mysql.yaml), on a MariaDB it starts first and stops last, fed with
 * cart commands; it prints how to read the carts with SQL.
 *
 * Ctrl-C stops everything in order: the feed; the job (removed through the scheduler's API, so
 * every container stops cleanly — flush, checkpoint, close its stores — while Kafka is still up);
 * the scheduler; the mini Mesos; Kafka and ZooKeeper; MariaDB. Every step is bounded. Nothing is
 * kept but the logs: Kafka, ZooKeeper and MariaDB start empty each time.
 *
 * `npm run stack` runs it with `node --import tsx`, not the tsx command: tsx relays a Ctrl-C to its
 * child and SIGKILLs the child when it does not acknowledge within about 60 ms, which on a busy
 * machine killed the stack before its teardown and left every service it started running.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { randomCartCommands } from '../../examples/shopping-cart/random-commands.js';
import { loadJobConfig, type CompiledJobConfig } from '../../shared/config/job-config.js';
import { describeError } from '../../shared/errors.js';
import { createKafka } from '../../shared/kafka/client.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import { SchedulerApiClient } from '../../scheduler/http/api-client.js';
import type { JobView } from '../../scheduler/http/job-state.js';
import { securedMesosArgs } from '../mini-mesos/auth-files.js';
import { createAcls, startSecuredKafka } from '../services/kafka-secured.js';
import { startMariaDb, type RunningMariaDb } from '../services/mariadb.js';
import { Deadline, freePort, LOOPBACK, pollUntil, portOpen } from '../services/net.js';
import { ServiceProcess } from '../services/process.js';
import { infraSettings, repoRoot } from '../services/settings.js';
import { startServices } from '../services/start-services.js';
import { startFeed, type Feed } from './feed.js';
import { JOB_KAFKA_USER, makeStackSecrets, securedSchedulerArgs, securedSections, stackJobAcls } from './secure.js';

const WORD_COUNT = join(repoRoot, 'examples/word-count');
const SHOPPING_CART = join(repoRoot, 'examples/shopping-cart');
/** The job's containers must run and report within this long after the scheduler starts. */
const JOB_UP_TIMEOUT_MS = 180_000;

const USAGE = `Usage: npm run stack [-- options]

Brings up on 127.0.0.1: ZooKeeper and Kafka (Java), the mini Mesos, and the Sluice scheduler
running examples/word-count on it, with a producer feeding it lines of river.txt. Prints the
dashboard URL; Ctrl-C stops everything cleanly. Needs what \`npm test\` needs (JDK 17+, Maven).
With --mysql: also a MariaDB (Debian's mariadb-server), and the shopping cart with its carts in
MySQL (examples/shopping-cart/job-mysql.yaml) fed with cart commands, instead of the word count.
With --secure: the same with every door locked, as docs/security.md says to run in production.

Options:
  --port P             the scheduler's API and dashboard port (default 8080; 0 picks a free one)
  --agents N           mini Mesos agents, 1 to 16 (default 2, one per container of the job)
  --work-dir DIR       logs, sandboxes and volumes (default: a new temporary directory, kept)
  --rate N             messages per second the feed sends, 1 to 10000 (default 20)
  --feed-minutes M     the feed stops by itself after this long, 1 to 1440 (default 30)
  --mysql              run the MySQL shopping cart on a MariaDB the stack starts
  --mysql-port P       MariaDB's port, with --mysql (default: a free one)
  --secure             every door locked (docs/security.md): Kafka over SASL_SSL with ACLs, ZooKeeper
                       digest ACLs, Mesos framework and executor authentication, the API over HTTPS
                       with a read and a write token (random, in files it prints; the dashboard asks
                       for the read token)
  -h, --help           this text`;

interface StackOptions {
  readonly port: number;
  readonly agents: number;
  readonly workDir: string | undefined;
  readonly rate: number;
  readonly feedMinutes: number;
  /** Present with --mysql: the port for MariaDB (0: any free one). */
  readonly mysql: { readonly port: number } | undefined;
  readonly secure: boolean;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): StackOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      agents: { type: 'string' },
      'work-dir': { type: 'string' },
      rate: { type: 'string' },
      'feed-minutes': { type: 'string' },
      mysql: { type: 'boolean' },
      'mysql-port': { type: 'string' },
      secure: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const whole = (name: keyof typeof values, fallback: number, min: number, max: number): number => {
    const given = values[name];
    if (given === undefined) return fallback;
    const parsed = typeof given === 'string' && /^\d+$/.test(given) ? Number(given) : Number.NaN;
    if (!(parsed >= min && parsed <= max))
      throw new UsageError(`--${name} expects a whole number from ${min} to ${max}, got '${String(given)}'`);
    return parsed;
  };
  if (values['mysql-port'] !== undefined && !values.mysql) throw new UsageError('--mysql-port is only for --mysql');
  return {
    port: whole('port', 8080, 0, 65535),
    agents: whole('agents', 2, 1, 16),
    workDir: values['work-dir'],
    rate: whole('rate', 20, 1, 10_000),
    feedMinutes: whole('feed-minutes', 30, 1, 1440),
    mysql: values.mysql ? { port: whole('mysql-port', 0, 0, 65535) } : undefined,
    secure: values.secure === true,
  };
}

/** What the stack runs: one of the examples, its feed, and what to tell the user about it. */
interface StackExample {
  /** E.g. "the word-count job", for the progress and stop messages. */
  readonly job: string;
  readonly title: string;
  readonly configFile: string;
  readonly feedTopic: string;
  /** What the feed sends, e.g. "lines of river.txt"; and what one message is called. */
  readonly feedWhat: string;
  readonly unit: string;
  readonly messages: readonly { readonly key?: string; readonly value: string }[];
  /** Lines printed under the dashboard URL (how to look at the job's results). */
  readonly notes: readonly string[];
}

async function wordCount(): Promise<StackExample> {
  const lines = (await readFile(join(WORD_COUNT, 'river.txt'), 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return {
    job: 'the word-count job',
    title: 'examples/word-count',
    configFile: join(WORD_COUNT, 'job.yaml'),
    feedTopic: 'lines',
    feedWhat: 'lines of river.txt',
    unit: 'lines',
    messages: lines.map((value) => ({ value })),
    notes: [],
  };
}

type ConfigDocument = Record<string, Record<string, unknown> | undefined>;

/**
 * Writes the job config `source` to `target`, with `sections(config)` added or replacing its own:
 * the executors read the copy by path, so its relative paths (the module, embedded feeds) are made
 * absolute first.
 */
async function writeConfigCopy(
  source: string,
  target: string,
  note: string,
  sections: (config: ConfigDocument) => Record<string, unknown>,
): Promise<void> {
  const config = parseYaml(await readFile(source, 'utf8')) as ConfigDocument;
  const base = dirname(source);
  const job = { ...config.job, module: resolve(base, String(config.job?.module)) };
  const feeds = (config.embedded?.feeds ?? []) as { file: string }[];
  const embedded = config.embedded && { ...config.embedded, feeds: feeds.map((feed) => ({ ...feed, file: resolve(base, feed.file) })) };
  await writeFile(target, `# ${note}\n${toYaml({ ...config, job, ...(embedded && { embedded }), ...sections(config) })}`);
}

/** The MySQL shopping cart on this stack's MariaDB: the example's config with its mysql section pointed at that server. */
async function mysqlShoppingCart(workDir: string, db: RunningMariaDb): Promise<StackExample> {
  const configFile = join(workDir, 'shopping-cart-mysql.yaml');
  await writeConfigCopy(
    join(SHOPPING_CART, 'job-mysql.yaml'),
    configFile,
    'examples/shopping-cart/job-mysql.yaml on the MariaDB of npm run stack',
    (example) => ({
      // Two containers, as the word count has: one per agent by default, so a task can move to the other.
      containers: 2,
      mysql: { ...example.mysql, host: db.host, port: db.port, database: db.database, user: db.user, 'password-file': db.passwordFile },
    }),
  );
  const { mysql } = await loadJobConfig(configFile);
  const table = `${mysql!.tablePrefix}store_carts`;
  const query = `SELECT CAST(task AS CHAR) AS task, CAST(k AS CHAR) AS user, CAST(v AS CHAR) AS cart FROM ${table} ORDER BY k`;
  return {
    job: 'the MySQL shopping-cart job',
    title: 'examples/shopping-cart (carts in MySQL)',
    configFile,
    feedTopic: 'cart-commands',
    feedWhat: 'cart commands of 60 users',
    unit: 'commands',
    // Seeded: every run feeds the same commands, cycled; keyed by user, so a user's commands stay in order.
    messages: randomCartCommands(1_000, 17).messages,
    notes: [
      `  mysql      ${db.host}:${db.port}  database ${db.database}  user ${db.user}  password-file ${db.passwordFile}  (MariaDB ${db.version})`,
      `  carts      mariadb --socket=${db.socket} -u root ${db.database} -e '${query}'`,
      `             or: mariadb -h ${db.host} -P ${db.port} -u ${db.user} -p"$(cat ${db.passwordFile})" ${db.database}`,
    ],
  };
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** Cleanup steps, run newest first; each one bounded by the thing it stops. */
class Teardown {
  private readonly steps: { name: string; run: () => Promise<void> }[] = [];
  current: string | undefined;

  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  /** True when every step succeeded. */
  async run(): Promise<boolean> {
    let clean = true;
    for (const step of this.steps.splice(0).reverse()) {
      this.current = step.name;
      const started = Date.now();
      try {
        await step.run();
        say(`stopped ${step.name} (${Date.now() - started} ms)`);
      } catch (error) {
        clean = false;
        say(`could not stop ${step.name} cleanly: ${describeError(error)}`);
      }
    }
    this.current = undefined;
    return clean;
  }
}

/** A `sluice` subcommand as a child process from this checkout, its output in `logFile`. */
function sluiceProcess(name: string, args: string[], logFile: string): ServiceProcess {
  return new ServiceProcess(
    name,
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(repoRoot, 'bin/sluice.ts'), ...args],
    logFile,
    {
      env: { ...process.env, SLUICE_LOG_LEVEL: process.env.SLUICE_LOG_LEVEL ?? 'info' },
    },
  );
}

/** Stops with SIGTERM (SIGKILL after `graceMs`); an exit other than 0 is an error. */
async function stopProcess(child: ServiceProcess, graceMs: number): Promise<void> {
  const { forced } = await child.stop(graceMs);
  if (forced) throw new Error(`${child.name} did not stop within ${graceMs} ms of SIGTERM and was killed; see ${child.logFile}`);
  const { code, signal } = await child.whenExited();
  if (code !== 0) throw new Error(`${child.exitDescription() ?? `${child.name} ended with ${signal}`}; see ${child.logFile}`);
}

/** Why waiting during start-up is pointless: a Ctrl-C, or a process that ended (with its last log lines). */
function startupProblem(interrupted: boolean, children: readonly ServiceProcess[]): string | undefined {
  if (interrupted) return 'interrupted';
  const ended = children.find((child) => child.exitDescription() !== undefined);
  return ended === undefined ? undefined : `${ended.exitDescription()} during start-up; last lines of ${ended.logFile}:\n${ended.tail(30)}`;
}

async function fetchJson<T>(url: string): Promise<T | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? ((await response.json()) as T) : undefined;
  } catch {
    return undefined; // not listening yet
  }
}

/** Every container of the job running and reporting, and every task among their reports. */
function jobUp(config: CompiledJobConfig, partitions: number, view: JobView): boolean {
  return (
    view.leader &&
    view.subscribed &&
    view.containers.length === config.containers &&
    view.containers.every((container) => container.state === 'running' && Array.isArray(container.status?.tasks)) &&
    view.containers.reduce((tasks, container) => tasks + (container.status?.tasks.length ?? 0), 0) === partitions
  );
}

function describeProgress(view: JobView | undefined): string {
  if (view === undefined) return 'scheduler API not answering yet';
  if (!view.leader) return 'scheduler not leading yet';
  if (!view.subscribed) return 'scheduler subscribing to the mini Mesos';
  const running = view.containers.filter((container) => container.state === 'running').length;
  const reporting = view.containers.filter((container) => Array.isArray(container.status?.tasks)).length;
  return `containers: ${view.containers.length} planned, ${running} running, ${reporting} reporting their tasks`;
}

async function main(): Promise<number> {
  let options: StackOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`npm run stack: ${describeError(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    say(USAGE);
    return 0;
  }
  setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'warn');

  const teardown = new Teardown();
  let interrupted = false;
  let stopRequested!: () => void;
  const stopSignal = new Promise<void>((resolve) => (stopRequested = resolve));
  // npm forwards the terminal's SIGINT to this process too, so one Ctrl-C may arrive twice:
  // later signals only say what is being waited for; the stop is bounded anyway.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return say(`${signal}: still stopping${teardown.current === undefined ? '' : ` ${teardown.current}`}`);
    interrupted = true;
    say(`\n${signal}: stopping the stack`);
    stopRequested();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode = 0;
  const started = Date.now();
  try {
    const workDir = options.workDir === undefined ? await mkdtemp(join(tmpdir(), 'sluice-stack-')) : resolve(options.workDir);
    const logDir = join(workDir, 'logs');
    await mkdir(logDir, { recursive: true });
    say(`starting the Sluice stack in ${workDir} (logs in ${logDir})`);

    // Chosen before anything starts, so a taken dashboard port fails in a second, not after a minute.
    const apiPort = options.port === 0 ? await freePort() : options.port;
    if (await portOpen(apiPort))
      throw new Error(`port ${apiPort} on ${LOOPBACK} is taken; pick another with --port P (0 for any free port)`);
    if (options.mysql !== undefined && options.mysql.port !== 0 && (await portOpen(options.mysql.port)))
      throw new Error(`port ${options.mysql.port} on ${LOOPBACK} is taken; pick another with --mysql-port P (or leave it out)`);

    let example: StackExample;
    if (options.mysql === undefined) example = await wordCount();
    else {
      // First up, last down: the containers commit their carts to it until they stop.
      say('starting MariaDB');
      const db = await startMariaDb({
        logDir,
        startTimeoutMs: 60_000,
        dir: join(workDir, 'mariadb'),
        ...(options.mysql.port === 0 ? {} : { port: options.mysql.port }),
      });
      teardown.add('MariaDB', () => db.stop());
      example = await mysqlShoppingCart(workDir, db);
    }
    const secrets = options.secure ? await makeStackSecrets(join(workDir, 'secrets')) : undefined;

    say(`starting ZooKeeper and Kafka${secrets ? ' (SASL_SSL, with ACLs)' : ''} (the first run fetches their jars through Maven)`);
    const settings = { ...infraSettings(), logDir };
    const secured = secrets && (await startServices(settings, startSecuredKafka));
    const services = secured ?? (await startServices(settings));
    teardown.add('Kafka and ZooKeeper', () => services.stop());
    const brokers = services.kafka.brokers;
    say(`  kafka ${brokers.join(',')}   zookeeper ${services.zookeeper.connect}`);

    if (secrets && secured) {
      // The job's own copy of the example's config, with its connections secured (paths to the secrets only).
      const configFile = join(workDir, `${basename(example.configFile, '.yaml')}-secured.yaml`);
      await writeConfigCopy(example.configFile, configFile, `${example.title} with every door locked (npm run stack -- --secure)`, () =>
        securedSections(secrets, secured.kafka),
      );
      example = { ...example, configFile };
    }
    const config = await loadJobConfig(example.configFile);
    const partitions = config.embedded.partitions;

    // The stack's own clients (topics, ACLs, the feed) are Kafka's super user when secured.
    const security = secured?.kafka.security('admin');
    const kafka = createKafka({ brokers, clientId: 'sluice-stack', ...(security && { security }) });
    const admin = kafka.admin();
    await admin.connect();
    const topics = [...new Set([...config.inputs, ...config.outputs].map((stream) => stream.topic))];
    for (const topic of topics) await ensureTopic(admin, { topic, partitions, compacted: false, purpose: `topic of ${example.title}` });
    if (secrets) await createAcls(admin, stackJobAcls(config));
    await admin.disconnect();
    say(`  topics ${topics.join(', ')} (${partitions} partitions each)`);
    if (secrets) say(`  secrets ${secrets.dir} (random for this run; the job is User:${JOB_KAFKA_USER} on Kafka with only its ACLs)`);

    if (interrupted) throw new Error('interrupted');
    const masterPort = await freePort();
    const mesos = sluiceProcess(
      'mini Mesos',
      [
        ...['mini-mesos', '--agents', String(options.agents), '--port', String(masterPort), '--work-dir', join(workDir, 'mesos')],
        ...(secrets ? securedMesosArgs(secrets.mesos) : []),
      ],
      join(logDir, 'mini-mesos.log'),
    );
    teardown.add('the mini Mesos', () => stopProcess(mesos, 15_000));
    const masterUrl = `http://${LOOPBACK}:${masterPort}`;
    const mesosUp = `the mini Mesos master with ${options.agents} agents on ${masterUrl}`;
    await pollUntil(
      new Deadline(60_000, mesosUp),
      mesosUp,
      async () => {
        const state = await fetchJson<{ activated_slaves: number }>(`${masterUrl}/state`);
        return state !== undefined && state.activated_slaves === options.agents ? state : undefined;
      },
      { intervalMs: 250, abort: () => startupProblem(interrupted, [mesos]) },
    );
    say(`  mesos ${masterUrl} (${options.agents} agents)`);

    // The executors run from this checkout; the Mesos fetcher still fetches a bundle into each sandbox.
    const bundle = join(workDir, 'bundle.txt');
    await writeFile(bundle, `the executors of this stack run sluice from ${repoRoot}\n`);
    const executorCommand = [
      `'${process.execPath}'`,
      '--import',
      `'${import.meta.resolve('tsx')}'`,
      `'${join(repoRoot, 'bin/sluice.ts')}'`,
      'executor',
    ].join(' ');
    const scheduler = sluiceProcess(
      'scheduler',
      [
        'scheduler',
        '--config',
        example.configFile,
        '--master',
        masterUrl,
        '--zk',
        services.zookeeper.connect,
        '--kafka',
        brokers.join(','),
        '--bundle-uri',
        bundle,
        '--executor-command',
        executorCommand,
        '--host',
        LOOPBACK,
        '--port',
        String(apiPort),
        '--cpus',
        '0.5',
        '--mem',
        '384',
        '--disk',
        '64',
        '--volume-mb',
        '256',
        ...(secrets ? securedSchedulerArgs(secrets) : []),
      ],
      join(logDir, 'scheduler.log'),
    );
    const api = `${secrets ? 'https' : 'http'}://${LOOPBACK}:${apiPort}`;
    const client = new SchedulerApiClient(api, secrets?.access.read);
    teardown.add('the scheduler', () => stopProcess(scheduler, 15_000));
    // Registered after the scheduler, so it runs before it: the job goes while the scheduler can still remove it.
    teardown.add(`${example.job} (every container stops cleanly, volumes released)`, () =>
      removeJob(new SchedulerApiClient(api, secrets?.access.write)),
    );

    let last = '';
    const jobIsUp = `${example.job}'s ${config.containers} containers running and reporting ${partitions} tasks`;
    await pollUntil(
      new Deadline(JOB_UP_TIMEOUT_MS, jobIsUp),
      jobIsUp,
      async () => {
        const view = await client.job().catch(() => undefined); // not answering yet
        const progress = describeProgress(view);
        if (progress !== last) say(`  ${(last = progress)}`);
        return view !== undefined && jobUp(config, partitions, view) ? view : undefined;
      },
      { intervalMs: 250, abort: () => startupProblem(interrupted, [scheduler, mesos]) },
    );

    const feed: Feed = startFeed(kafka, {
      topic: example.feedTopic,
      messages: example.messages,
      perSecond: options.rate,
      forMs: options.feedMinutes * 60_000,
    });
    teardown.add('the feed', async () => say(`  the feed sent ${(await feed.stop()).toLocaleString('en-US')} ${example.unit}`));
    feed.finished.then(
      (sent) =>
        interrupted ||
        say(`the feed finished after ${options.feedMinutes} min (${sent.toLocaleString('en-US')} ${example.unit}); the job stays up`),
      (error: unknown) => say(`the feed stopped: ${describeError(error)}`),
    );

    say('');
    const locked = secrets ? ', every door locked (docs/security.md)' : '';
    say(`Sluice stack is up in ${Math.round((Date.now() - started) / 1000)} s: ${example.title} on the mini Mesos${locked}`);
    say(`  dashboard  ${api}/`);
    if (secrets) {
      say(`  tokens     read ${secrets.readTokenFile} (the dashboard asks for it)   write ${secrets.writeTokenFile}`);
      say(`  ca         ${secrets.tls.caFile} (signed the API's certificate; a browser warns until you trust it)`);
      say(`  status     npx tsx bin/sluice.ts status --scheduler ${api} --ca ${secrets.tls.caFile} --token-file ${secrets.readTokenFile}`);
      say(`  api        curl --cacert ${secrets.tls.caFile} -H "Authorization: Bearer $(cat ${secrets.readTokenFile})" ${api}/api/v1/job`);
    } else {
      say(`  status     npx tsx bin/sluice.ts status --scheduler ${api}`);
      say(`  api        ${api}/api/v1/job   metrics ${api}/metrics`);
    }
    say(`  feed       ${options.rate} ${example.unit}/s (${example.feedWhat}) into '${example.feedTopic}' for ${options.feedMinutes} min`);
    for (const note of example.notes) say(note);
    say(`  logs       ${logDir} (executors: ${join(workDir, 'mesos')}/**/stdout|stderr)`);
    say('Ctrl-C stops everything.');

    const exited = (child: ServiceProcess): Promise<string> => child.whenExited().then(() => child.exitDescription() ?? child.name);
    const outcome = await Promise.race([stopSignal.then(() => undefined), exited(scheduler), exited(mesos)]);
    if (outcome !== undefined) {
      exitCode = 1;
      say(`${outcome} unexpectedly; stopping the stack (its log is in ${logDir})`);
    }
  } catch (error) {
    if (interrupted) exitCode = 130;
    else {
      exitCode = 1;
      say(`the stack could not start: ${describeError(error)}`);
    }
  }
  const clean = await teardown.run();
  say(clean ? 'the stack is stopped' : 'the stack is stopped, not everything cleanly (see above)');
  return exitCode === 0 && !clean ? 1 : exitCode;
}

/** DELETE /api/v1/job: the scheduler kills every container (a clean stop each) and releases what the job reserved. */
async function removeJob(client: SchedulerApiClient): Promise<void> {
  if ((await client.job().catch(() => undefined)) === undefined) return say('  no job to remove: the scheduler API does not answer');
  await client.removeJob();
}

// Exits explicitly: a client library's idle socket must not keep a stopped stack alive.
process.exit(await main());
