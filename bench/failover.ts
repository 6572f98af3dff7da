/**
 * `npm run bench:failover`: how long the word count stops after a fault, on real Kafka and
 * ZooKeeper and the mini Mesos (3 agents and a spare), with `sluice scheduler` processes and real
 * executor processes. Two jobs, one after the other, each on a mini Mesos of its own: one with
 * task.standbys 1, whose agent loss goes on from the standby copies, and one without, which takes
 * an executor SIGKILL, the loss of an agent (a full restore elsewhere) and a SIGKILL of the leading
 * scheduler (a standby running). Each job's state is loaded first (`--state-mb N`, default 1024:
 * distinct long words, one store entry each); then, with a trickle of input to every partition, each
 * fault is timed from the fault until every task of the job processes again, with what the job
 * restored from its changelog. Writes bench/results/failover.json (see bench/README.md).
 */
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { ContainerStatusReport } from '../shared/config/executor-contract.js';
import { readContainerReports } from '../scheduler/framework/container-reports.js';
import { ContainerRegistry } from '../shared/coordination/container-registry.js';
import { ZkSession } from '../shared/coordination/zk-session.js';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka } from '../shared/kafka/client.js';
import { readPartitions } from '../shared/kafka/partition-reader.js';
import { setLogLevel } from '../shared/log.js';
import { freePort } from '../dev/services/net.js';
import type { MiniMesos } from '../dev/mini-mesos/index.js';
import { servicesEnvironment } from '../test/infra/env.js';
import { waitForCheckpointsAtEnd, wordCountJob, type WordCountJob } from '../test/integration/container/harness.js';
import { startCluster } from '../test/unit/mini-mesos/helpers/cluster.js';
import { CleanupList, keepExecutorLogs, killLeader, loseAgentOf, running, view, waitFor } from '../test/e2e/helpers/framework-run.js';
import { startSchedulerProcess } from '../test/e2e/helpers/scheduler-process.js';
import { produceLongWords, trickle } from './lib/failover-input.js';
import { benchLogDir, createTopic, withServices } from './lib/kafka.js';
import { writeResult, type Goal } from './lib/results.js';
import {
  processedByTask,
  restoredSince,
  restoresByProcess,
  stalledTasks,
  type ProcessRestores,
  type Restored,
} from './lib/task-progress.js';

const PARTITIONS = 6;
const CONTAINERS = 3;
/** Each loaded word's length: 4 KiB keys reach 1 GB of state with 262,144 messages. */
const KEY_BYTES = 4096;
/** The schedulers' ZooKeeper session (`--election-session-ms`): the least the bench's ZooKeeper grants (2 ticks of 2 s). */
const ELECTION_SESSION_MS = 4_000;
/** Until every task processes before a fault, and again after it. */
const STEADY_BOUND_MS = 180_000;
const RECOVERY_BOUND_MS = 15 * 60_000;
/** The trickle: 5 short words to each partition every 100 ms, so a task's count moves within ~0.1 s of it processing. */
const TRICKLE = { perPartition: 5, intervalMs: 100, maxMs: 2 * 60 * 60_000 };

setLogLevel('warn');

const stateMb = process.argv.includes('--state-mb') ? Number(argument('--state-mb')) : 1024;
if (!Number.isInteger(stateMb) || stateMb < 1 || stateMb > 16_384) {
  throw new Error(`--state-mb: expected an integer from 1 to 16384 (MB of word-count state), got ${argument('--state-mb')}`);
}
/**
 * The jobs run, one after the other on the same Kafka and ZooKeeper, each on a mini Mesos of its
 * own: `standbys` (task.standbys: 1, an agent loss) and `no-standbys` (the executor SIGKILL, an
 * agent loss, the leader SIGKILL). `--phases standbys` measures one more state size in half the time.
 */
const PHASES = ['standbys', 'no-standbys'] as const;
const phases = (argument('--phases') ?? PHASES.join(',')).split(',');
if (phases.length === 0 || phases.some((phase) => !(PHASES as readonly string[]).includes(phase))) {
  throw new Error(`--phases: expected a comma-separated list of ${PHASES.join(', ')}, got ${argument('--phases')}`);
}
/** Each container's persistent volume: its third of the state and its copies of others', with room for RocksDB's own files. */
const volumeMb = Math.max(64, stateMb);
const loadMessages = Math.ceil((stateMb * 1024 * 1024) / (KEY_BYTES + 1));

function argument(name: string): string | undefined {
  return process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
}

// Other work on the machine skews every number here; the load says how much to trust a run.
const [loadAtStart = 0] = loadavg();
const cleanups = new CleanupList();

await withServices(async (services) => {
  // The test helpers this bench shares with the framework e2e read where the services are from the environment.
  Object.assign(process.env, servicesEnvironment(services, benchLogDir));
  const brokers = services.kafka.brokers;
  const kafka = createKafka({ brokers, clientId: 'bench-failover' });
  const admin = kafka.admin();
  await admin.connect();
  cleanups.after(() => admin.disconnect());
  const zk = new ZkSession({ connect: services.zookeeper.connect });
  zk.start();
  cleanups.after(() => zk.close());
  const shared = { kafka, admin, zk, brokers };
  const metrics: Record<string, number> = { state_mb_requested: stateMb, key_bytes: KEY_BYTES, load_messages: loadMessages };
  const goals: Record<string, Goal> = {};
  if (phases.includes('standbys')) {
    process.stdout.write('phase standbys: a job with task.standbys 1, an agent loss\n');
    await onCluster(shared, 1, 'standby_', metrics, (run) => agentLossWithStandbys(run, metrics, goals));
  }
  if (phases.includes('no-standbys')) {
    process.stdout.write('phase no-standbys: a job without standbys, three faults\n');
    await onCluster(shared, 0, '', metrics, (run) => faultsWithoutStandbys(run, metrics, goals));
  }
  const [loadAtEnd = 0] = loadavg();
  await writeResult('failover', { ...metrics, load_average_1m_at_start: loadAtStart, load_average_1m_at_end: loadAtEnd }, goals);
}, cleanups);

interface Services {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly zk: ZkSession;
  readonly brokers: readonly string[];
}

/** A job running on its own mini Mesos, its state loaded, the trickle on. */
interface JobRun {
  readonly mesos: MiniMesos;
  readonly job: WordCountJob;
  readonly zk: ZkSession;
  readonly apiA: string;
  readonly apiB: string;
  readonly schedulerA: ChildProcess;
  /** When the job's checkpoints reached the ends of the loaded input. */
  readonly loadedAt: number;
  readonly reports: () => Promise<Map<string, ContainerStatusReport>>;
  /**
   * Times `fault`; `processesAfter`: the container processes serving metrics once every task
   * processes again (all of them, unless a lost one's tasks went on without it).
   */
  readonly timeFault: (name: string, fault: () => void, processesAfter?: number) => Promise<FaultTiming>;
}

interface FaultTiming {
  readonly seconds: number;
  /** What every process restored from the fault until every task processed again (standby passes included). */
  readonly restored: Restored;
  readonly fromReports: number;
  readonly restoresBefore: ReadonlyMap<string, ProcessRestores>;
  readonly restoresAfter: ReadonlyMap<string, ProcessRestores>;
  readonly before: ReadonlyMap<string, ContainerStatusReport>;
  readonly after: ReadonlyMap<string, ContainerStatusReport>;
}

/**
 * Starts a word-count job with `standbys` on a mini Mesos of its own (3 agents and a spare, two
 * schedulers), loads its state and starts the trickle; runs `body`, then stops all of it (the
 * executors' logs kept). Its load and changelog figures go to `metrics` with `prefix`.
 */
async function onCluster(
  { kafka, admin, zk, brokers }: Services,
  standbys: number,
  prefix: string,
  metrics: Record<string, number>,
  body: (run: JobRun) => Promise<void>,
): Promise<void> {
  const phase = new CleanupList();
  cleanups.after(() => phase.run());
  const job = await wordCountJob(PARTITIONS, 300, { containers: CONTAINERS, ...(standbys > 0 ? { standbys } : {}) });
  await createTopic(admin, { topic: job.words, partitions: PARTITIONS, compacted: false, purpose: 'failover bench input' });
  await writeFile(join(dirname(job.configFile), 'bundle.txt'), 'the bench runs sluice from the repository\n');
  // One container per agent (0.3 cpus of 0.5): the job spreads over three agents, the fourth is spare.
  const mesos = await startCluster(phase, { agents: CONTAINERS + 1, heartbeatIntervalMs: 500, resources: { cpus: 0.5 } });
  try {
    const reports = async () => readContainerReports(zk, job.name, {}, 2_000);
    const startScheduler = (port: number, name: string) =>
      startSchedulerProcess(phase, job, {
        masterUrl: mesos.masterUrl,
        port,
        volumeMb,
        executorLogLevel: 'info',
        logSuffix: `-${name}`,
        electionSessionMs: ELECTION_SESSION_MS,
        brokers,
      });
    const [portA, portB] = [await freePort(), await freePort()];
    const [apiA, apiB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    const schedulerA = startScheduler(portA, 'a');
    await waitFor('scheduler a leads', async () => ((await view(apiA))?.leader ? true : undefined), 120_000);
    startScheduler(portB, 'b');
    const first = await waitFor(`${CONTAINERS} containers running`, running(apiA, CONTAINERS), 300_000);
    process.stdout.write(`job ${job.name}: ${CONTAINERS} containers on ${first.containers.map((c) => c.host).join(', ')}\n`);

    // The state: distinct long words, produced, then processed to the end (checkpoints at the input's ends).
    process.stdout.write(`loading ${stateMb} MB of state: ${loadMessages} words of ${KEY_BYTES} bytes…\n`);
    const started = performance.now();
    await produceLongWords(kafka, job.words, loadMessages, KEY_BYTES);
    const produceSeconds = (performance.now() - started) / 1000;
    await waitForCheckpointsAtEnd(admin, job, 10 * 60_000 + stateMb * 2_000);
    const loadedAt = Date.now();
    const loadSeconds = (performance.now() - started) / 1000;
    // What the changelog actually holds (key and value bytes, as restore counts them), read back once
    // to its ends (exactly once, its offsets include transaction markers, which are not records).
    process.stdout.write(`loaded in ${loadSeconds.toFixed(0)} s; reading the changelog back…\n`);
    const changelog = await readChangelog(kafka, admin, job.changelog);
    metrics[`${prefix}changelog_records`] = changelog.records;
    metrics[`${prefix}changelog_mb`] = changelog.bytes / 2 ** 20;
    metrics[`${prefix}load_produce_s`] = produceSeconds;
    metrics[`${prefix}load_processed_s`] = loadSeconds;

    let stopTrickle = false;
    phase.after(() => (stopTrickle = true));
    const trickling = trickle(kafka, job.words, { partitions: PARTITIONS, ...TRICKLE, stop: () => stopTrickle });
    const timeFault = (name: string, fault: () => void, processesAfter = CONTAINERS) =>
      timeFaultOf(apiA, zk, job, reports, name, fault, processesAfter);
    await body({ mesos, job, zk, apiA, apiB, schedulerA, loadedAt, reports, timeFault });
    stopTrickle = true;
    metrics[`${prefix}trickle_messages`] = await trickling;
  } finally {
    await keepExecutorLogs(mesos, benchLogDir, job.name);
    await phase.run();
  }
}

/** Times `fault` from its start until every task of `job` processes again; with the restores it caused. */
async function timeFaultOf(
  api: string,
  zk: ZkSession,
  job: WordCountJob,
  reports: () => Promise<Map<string, ContainerStatusReport>>,
  name: string,
  fault: () => void,
  processesAfter: number,
): Promise<FaultTiming> {
  // The leader subscribed to the master too: a fault it cannot hear of at once would time its re-subscription (the
  // mini Mesos runs in this process, and the state's load and read-back here can starve it into missing heartbeats).
  await waitFor(
    `the leader subscribed before the ${name}`,
    running(api, CONTAINERS, (v) => v.subscribed),
    STEADY_BOUND_MS,
  );
  const restoresBefore = await everyContainer(zk, job, `every container's metrics before the ${name}`);
  const steady = processedByTask((await reports()).values());
  // Every task reported and processing: the counts to compare with, read just before the fault.
  const [beforeReports, before] = await waitFor(
    `every task processing before the ${name}`,
    async () => {
      const current = await reports();
      const all = [...current.values()];
      return processedByTask(all).size === PARTITIONS && stalledTasks(steady, all).length === 0
        ? ([current, processedByTask(all)] as const)
        : undefined;
    },
    STEADY_BOUND_MS,
  );
  const at = Date.now();
  fault();
  let stalled: string[] = [];
  const after = await waitFor(
    `every task processing again after the ${name}`,
    async () => {
      const current = await reports();
      stalled = stalledTasks(before, current.values());
      return stalled.length === 0 ? current : undefined;
    },
    RECOVERY_BOUND_MS,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; still stalled: ${stalled.join(', ')}`, { cause: error });
  });
  const seconds = (Date.now() - at) / 1000;
  // Read at once: what was restored until every task processed, not what a process still starting up restores later.
  const restoresAfter = await everyContainer(zk, job, `the container's metrics after the ${name}`, processesAfter);
  const restored = restoredSince(restoresBefore, restoresAfter);
  const fromReports = restoredInReports(restoresBefore, restoresAfter, after);
  process.stdout.write(
    `  ${name}: every task processing again after ${seconds.toFixed(2)} s; restored ${restored.records} records, ` +
      `${(restored.bytes / 2 ** 20).toFixed(1)} MB (status reports of new processes: ${fromReports} records)\n`,
  );
  return { seconds, restored, fromReports, restoresBefore, restoresAfter, before: beforeReports, after };
}

/** The restore counters of every container process, once `processes` of the job's containers serve them. */
function everyContainer(zk: ZkSession, job: WordCountJob, what: string, processes = CONTAINERS): Promise<Map<string, ProcessRestores>> {
  return waitFor(
    what,
    async () => {
      const restores = await restoresByProcess(zk, job.name);
      return restores.size >= processes ? restores : undefined;
    },
    // A relaunched container serves its metrics after its start-up: tens of seconds on a loaded machine.
    180_000,
  );
}

/** The executor SIGKILL, an agent loss (a full restore elsewhere) and the leader SIGKILL, in a job without standbys. */
async function faultsWithoutStandbys(run: JobRun, metrics: Record<string, number>, goals: Record<string, Goal>): Promise<void> {
  const { mesos, apiA, apiB } = run;
  // 1. An executor SIGKILL: relaunched on its agent, on its volume.
  const victim = (await waitFor('a stable view', running(apiA, CONTAINERS))).containers.find((c) => c.id === '1');
  const executorsBefore = new Set(mesos.state().executors.map((e) => e.executorId));
  const launches = watchLaunches(mesos, executorsBefore);
  const executorKill = await run.timeFault('executor SIGKILL', () => mesos.killExecutor(victim?.taskId as string));
  const relaunch = await launches.stop();
  const startup = relaunch ? await executorStartup(relaunch) : undefined;

  // 2. An agent lost (partitioned, its executors dead), no standbys: container 2 moves and restores its tasks from the changelog.
  const moved = (await waitFor('a stable view', running(apiA, CONTAINERS))).containers.find((c) => c.id === '2');
  const agentLoss = await run.timeFault('agent loss', () => loseAgentOf(mesos, moved?.host));

  // 3. A SIGKILL of the leading scheduler, the standby running.
  let takeover: Promise<{ ms: number }> | undefined;
  const leaderKill = await run.timeFault('leader scheduler SIGKILL', () => {
    takeover = killLeader(run.schedulerA, apiB, CONTAINERS);
  });
  const takeoverMs = (await (takeover as Promise<{ ms: number }>)).ms;
  process.stdout.write(
    `  leader scheduler SIGKILL: the standby leads, subscribed, all running after ${(takeoverMs / 1000).toFixed(2)} s\n`,
  );

  goals.executor_kill_recovery_s = { value: executorKill.seconds, goal: 3, better: 'lower' };
  goals.leader_kill_takeover_s = { value: takeoverMs / 1000, goal: ELECTION_SESSION_MS / 1000 + 2, better: 'lower' };
  Object.assign(metrics, {
    executor_kill_restored_records: executorKill.restored.records,
    executor_kill_restored_mb: executorKill.restored.bytes / 2 ** 20,
    executor_kill_reported_restore_records: executorKill.fromReports,
    agent_loss_recovery_s: agentLoss.seconds,
    agent_loss_restored_records: agentLoss.restored.records,
    agent_loss_restored_mb: agentLoss.restored.bytes / 2 ** 20,
    agent_loss_reported_restore_records: agentLoss.fromReports,
    agent_loss_restore_mb_per_s: agentLoss.restored.bytes / 2 ** 20 / agentLoss.seconds,
    leader_kill_tasks_processing_s: leaderKill.seconds,
    leader_kill_restored_records: leaderKill.restored.records,
    election_session_ms: ELECTION_SESSION_MS,
    executor_launch_to_first_log_s: startup?.firstLogSeconds ?? -1,
    executor_launch_to_container_started_s: startup?.containerStartedSeconds ?? -1,
  });
}

/**
 * An agent loss in a job with task.standbys 1: the lost container's tasks go on from their copies
 * on the other containers (once its ZooKeeper session expired), and it comes back elsewhere, builds
 * copies, and gets tasks back once they caught up.
 */
async function agentLossWithStandbys(run: JobRun, metrics: Record<string, number>, goals: Record<string, Goal>): Promise<void> {
  const { mesos, apiA, zk, job } = run;
  // Copies worth the name: each container's every copy finished a pass after the state was loaded.
  await waitFor(
    'every standby copy caught up with the loaded state',
    async () => {
      const all = [...(await run.reports()).values()];
      const copies = all.flatMap((report) => report.standbys ?? []);
      return all.length === CONTAINERS && copies.length === PARTITIONS && copies.every((copy) => (copy.caughtUpAt ?? 0) > run.loadedAt)
        ? true
        : undefined;
    },
    STEADY_BOUND_MS + stateMb * 2_000,
  );
  const lost = (await waitFor('a stable view', running(apiA, CONTAINERS))).containers.find((c) => c.id === '2');
  const registry = new ContainerRegistry(zk, job.name);
  const lostProcess = (await registry.list()).find((info) => info.id === '2');
  // When the lost process's registration goes: its ZooKeeper session expired, and only then may the holders claim its tasks.
  let watching = true;
  let sessionExpiredAt: number | undefined;
  let lostAt = 0;
  const watchingSession = (async () => {
    while (watching && sessionExpiredAt === undefined) {
      const live = await registry.list().catch(() => undefined);
      if (lostAt > 0 && live !== undefined && !live.some((info) => info.session === lostProcess?.session)) sessionExpiredAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const loss = await run.timeFault(
    'agent loss with standbys',
    () => {
      lostAt = Date.now();
      loseAgentOf(mesos, lost?.host);
    },
    CONTAINERS - 1,
  );
  watching = false;
  await watchingSession;
  const lostTasks = new Set((loss.before.get('2')?.tasks ?? []).map((task) => task.name));
  const copyLag = [...loss.before.values()]
    .flatMap((report) => report.standbys ?? [])
    .filter((copy) => lostTasks.has(copy.name))
    .reduce((sum, copy) => sum + (copy.lag ?? 0), 0);
  const taken = [...loss.after].flatMap(([container, report]) =>
    report.tasks.filter((task) => lostTasks.has(task.name)).map((task) => ({ container, task })),
  );
  const takenReplayed = taken.reduce((sum, { task }) => sum + (task.restore?.done ?? 0), 0);
  const takenRebuilt = taken.filter(({ task }) => task.restore?.rebuilt === true).length;
  // Into each lost task's stores by the process that took it, from the fault on: its copy's last
  // pass, then the claim's tail (not the copies of them that other containers start to build).
  const takenBytes = taken.reduce((sum, { container, task }) => {
    const holder = new Map([...loss.restoresAfter].filter(([url, entry]) => entry.container === container && loss.restoresBefore.has(url)));
    return sum + restoredSince(loss.restoresBefore, holder, new Set([task.name])).bytes;
  }, 0);
  // Everything the kept processes restored until every task processed again: the above, and new copies.
  const keptRestored = restoredSince(loss.restoresBefore, new Map([...loss.restoresAfter].filter(([url]) => loss.restoresBefore.has(url))));
  process.stdout.write(
    `  the lost container's ZooKeeper session expired after ${sessionExpiredAt === undefined ? '?' : ((sessionExpiredAt - lostAt) / 1000).toFixed(2)} s; ` +
      `its ${lostTasks.size} tasks replayed ${takenReplayed} records on their holders (${takenRebuilt} rebuilt; copies' lag at the fault ${copyLag})\n`,
  );

  // The lost container relaunched elsewhere, away (no task) until its copies caught up, then back with tasks.
  const back = await waitFor(
    'the lost container back with tasks, processing',
    async () => {
      const report = (await run.reports()).get('2');
      return report !== undefined && report.tasks.length > 0 && report.tasks.every((task) => task.state === 'running' && task.processed > 0)
        ? report
        : undefined;
    },
    RECOVERY_BOUND_MS,
  );
  const backSeconds = (Date.now() - lostAt) / 1000;
  const backRestores = await everyContainer(zk, job, 'every container serving metrics after the lost container came back');
  const backProcess = [...backRestores].find(([url, { container }]) => container === '2' && !loss.restoresBefore.has(url))?.[1];
  const backProcessRestored = [...(backProcess?.restored.values() ?? [])].reduce(
    (sum, restored) => ({ records: sum.records + restored.records, bytes: sum.bytes + restored.bytes }),
    { records: 0, bytes: 0 },
  );
  const backReplayed = back.tasks.reduce((sum, task) => sum + (task.restore?.done ?? 0), 0);
  const backRebuilt = back.tasks.filter((task) => task.restore?.rebuilt === true).length;
  process.stdout.write(
    `  the lost container back on ${(await view(apiA))?.containers.find((c) => c.id === '2')?.host} with ${back.tasks.length} tasks after ` +
      `${backSeconds.toFixed(2)} s, replaying ${backReplayed} records for them (${backRebuilt} rebuilt); its process restored ` +
      `${backProcessRestored.records} records, ${(backProcessRestored.bytes / 2 ** 20).toFixed(1)} MB in all (its copies built, then the tails)\n`,
  );

  goals.agent_loss_standby_recovery_s = { value: loss.seconds, goal: 5, better: 'lower' };
  Object.assign(metrics, {
    standby_agent_loss_session_expired_s: sessionExpiredAt === undefined ? -1 : (sessionExpiredAt - lostAt) / 1000,
    standby_agent_loss_after_session_s: sessionExpiredAt === undefined ? -1 : loss.seconds - (sessionExpiredAt - lostAt) / 1000,
    standby_agent_loss_copy_lag_records: copyLag,
    standby_agent_loss_replayed_records: takenReplayed,
    standby_agent_loss_replayed_mb: takenBytes / 2 ** 20,
    standby_agent_loss_rebuilt_tasks: takenRebuilt,
    standby_agent_loss_kept_restored_records: keptRestored.records,
    standby_agent_loss_kept_restored_mb: keptRestored.bytes / 2 ** 20,
    standby_agent_loss_back_s: backSeconds,
    standby_agent_loss_back_tasks: back.tasks.length,
    standby_agent_loss_back_replayed_records: backReplayed,
    standby_agent_loss_back_rebuilt_tasks: backRebuilt,
    standby_agent_loss_back_process_restored_records: backProcessRestored.records,
    standby_agent_loss_back_process_restored_mb: backProcessRestored.bytes / 2 ** 20,
  });
}

/** The records of a topic and their key and value bytes, read to the ends of its partitions. */
async function readChangelog(kafka: Kafka, admin: Admin, topic: string): Promise<{ records: number; bytes: number }> {
  const requests = (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({
    topic,
    partition,
    from: Number(low),
    to: Number(high) - 1,
  }));
  let records = 0;
  let bytes = 0;
  await readPartitions(kafka, requests, async (_, batch) => {
    records += batch.length;
    for (const record of batch) bytes += record.key.length + (record.value?.length ?? 0);
  });
  return { records, bytes };
}

/**
 * Records restored as the status reports of the processes started since `before` say: their
 * tasks' `restore.done` (a kept process's reports still show its earlier restores).
 */
function restoredInReports(
  before: ReadonlyMap<string, ProcessRestores>,
  after: ReadonlyMap<string, ProcessRestores>,
  reports: ReadonlyMap<string, ContainerStatusReport>,
): number {
  const fresh = [...after].filter(([url]) => !before.has(url)).map(([, { container }]) => container);
  return fresh.reduce((sum, id) => sum + (reports.get(id)?.tasks ?? []).reduce((n, task) => n + (task.restore?.done ?? 0), 0), 0);
}

interface Launch {
  readonly at: number;
  readonly directory: string;
}

/** Samples the agents' executors every 50 ms; `stop()` gives the first one not in `known` and when it appeared. */
function watchLaunches(mesos: MiniMesos, known: ReadonlySet<string>): { stop: () => Promise<Launch | undefined> } {
  let found: Launch | undefined;
  let watching = true;
  const sampling = (async () => {
    while (watching && found === undefined) {
      const executor = mesos.state().executors.find((e) => !known.has(e.executorId) && e.pid !== undefined);
      if (executor) found = { at: Date.now(), directory: executor.directory };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await sampling;
      return found;
    },
  };
}

/**
 * From an executor's launch to its first log line (Node, tsx and the executor's modules loaded)
 * and to its 'container started' line, from the timestamps in its sandbox's output.
 */
async function executorStartup(launch: Launch): Promise<{ firstLogSeconds: number; containerStartedSeconds: number } | undefined> {
  const lines = (await Promise.all(['stdout', 'stderr'].map((file) => readFile(join(launch.directory, file), 'utf8').catch(() => ''))))
    .join('\n')
    .split('\n')
    .flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { timestamp?: string; message?: string };
        return entry.timestamp === undefined ? [] : [{ at: Date.parse(entry.timestamp), message: entry.message }];
      } catch {
        return [];
      }
    });
  const firstLog = Math.min(...lines.map((line) => line.at));
  const containerStarted = lines.find((line) => line.message === 'container started')?.at;
  if (!Number.isFinite(firstLog) || containerStarted === undefined) return undefined;
  return { firstLogSeconds: (firstLog - launch.at) / 1000, containerStartedSeconds: (containerStarted - launch.at) / 1000 };
}
