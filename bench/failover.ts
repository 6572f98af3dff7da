/**
 * `npm run bench:failover`: how long the word count stops after a fault, on real Kafka and
 * ZooKeeper and the mini Mesos (3 agents and a spare), with `sluice scheduler` processes and real
 * executor processes. The job's state is loaded first (`--state-mb N`, default 1024: distinct long
 * words, one store entry each); then, with a trickle of input to every partition, one fault after
 * another — an executor SIGKILL, the loss of an agent, a SIGKILL of the leading scheduler (a
 * standby running) — each timed from the fault until every task of the job processes again, with
 * what the job restored from its changelog. Writes bench/results/failover.json (see bench/README.md).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { ContainerStatusReport } from '../shared/config/executor-contract.js';
import { readContainerReports } from '../scheduler/framework/container-reports.js';
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
import { processedByTask, restoredSince, restoresByProcess, stalledTasks, type ProcessRestores } from './lib/task-progress.js';

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
/** Each container's persistent volume: its third of the state with room for RocksDB's own files. */
const volumeMb = Math.max(64, stateMb);
const loadMessages = Math.ceil((stateMb * 1024 * 1024) / (KEY_BYTES + 1));

function argument(name: string): string | undefined {
  return process.argv[process.argv.indexOf(name) + 1];
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
  const job = await wordCountJob(PARTITIONS, 300, { containers: CONTAINERS });
  await createTopic(admin, { topic: job.words, partitions: PARTITIONS, compacted: false, purpose: 'failover bench input' });
  await writeFile(join(dirname(job.configFile), 'bundle.txt'), 'the bench runs sluice from the repository\n');

  // One container per agent (0.3 cpus of 0.5): the job spreads over three agents, the fourth is spare.
  const mesos = await startCluster(cleanups, { agents: CONTAINERS + 1, heartbeatIntervalMs: 500, resources: { cpus: 0.5 } });
  try {
    await measure(mesos, job, kafka, admin, zk, brokers);
  } finally {
    await keepExecutorLogs(mesos, benchLogDir, job.name);
  }
}, cleanups);

async function measure(
  mesos: MiniMesos,
  job: WordCountJob,
  kafka: Kafka,
  admin: Admin,
  zk: ZkSession,
  brokers: readonly string[],
): Promise<void> {
  const reports = async () => readContainerReports(zk, job.name, {}, 2_000);
  const startScheduler = (port: number, name: string) =>
    startSchedulerProcess(cleanups, job, {
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
  const loadSeconds = (performance.now() - started) / 1000;
  // What the changelog actually holds (key and value bytes, as restore counts them), read back once
  // to its ends (exactly once, its offsets include transaction markers, which are not records).
  process.stdout.write(`loaded in ${loadSeconds.toFixed(0)} s; reading the changelog back…\n`);
  const changelog = await readChangelog(kafka, admin, job.changelog);

  let stopTrickle = false;
  cleanups.after(() => (stopTrickle = true));
  const trickling = trickle(kafka, job.words, { partitions: PARTITIONS, ...TRICKLE, stop: () => stopTrickle });

  const everyContainer = (what: string) =>
    waitFor(
      what,
      async () => {
        const restores = await restoresByProcess(zk, job.name);
        return restores.size === CONTAINERS ? restores : undefined;
      },
      60_000,
    );

  /** Times `fault` from its start until every task processes again; with the restores it caused. */
  const timeFault = async (name: string, fault: () => void) => {
    const restoresBefore = await everyContainer(`every container's metrics before the ${name}`);
    const steady = processedByTask((await reports()).values());
    // Every task reported and processing: the counts to compare with, read just before the fault.
    const before = await waitFor(
      `every task processing before the ${name}`,
      async () => {
        const all = [...(await reports()).values()];
        return processedByTask(all).size === PARTITIONS && stalledTasks(steady, all).length === 0 ? processedByTask(all) : undefined;
      },
      STEADY_BOUND_MS,
    );
    const at = Date.now();
    fault();
    let stalled: string[] = [];
    const all = await waitFor(
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
    const restoresAfter = await everyContainer(`every container's metrics after the ${name}`);
    const restored = restoredSince(restoresBefore, restoresAfter);
    const fromReports = restoredInReports(restoresBefore, restoresAfter, all);
    process.stdout.write(
      `  ${name}: every task processing again after ${seconds.toFixed(2)} s; restored ${restored.records} records, ` +
        `${(restored.bytes / 2 ** 20).toFixed(1)} MB (status reports: ${fromReports} records)\n`,
    );
    return { seconds, restored, fromReports };
  };

  // 1. An executor SIGKILL: relaunched on its agent, on its volume.
  const victim = (await waitFor('a stable view', running(apiA, CONTAINERS))).containers.find((c) => c.id === '1');
  const executorsBefore = new Set(mesos.state().executors.map((e) => e.executorId));
  const launches = watchLaunches(mesos, executorsBefore);
  const executorKill = await timeFault('executor SIGKILL', () => mesos.killExecutor(victim?.taskId as string));
  const relaunch = await launches.stop();
  const startup = relaunch ? await executorStartup(relaunch) : undefined;

  // 2. An agent lost (partitioned, its executors dead), no standbys: container 2 moves and restores its tasks from the changelog.
  const moved = (await waitFor('a stable view', running(apiA, CONTAINERS))).containers.find((c) => c.id === '2');
  const agentLoss = await timeFault('agent loss', () => loseAgentOf(mesos, moved?.host));

  // 3. A SIGKILL of the leading scheduler, the standby running.
  await waitFor(
    'a stable view',
    running(apiA, CONTAINERS, (v) => v.subscribed),
  );
  let takeover: Promise<{ ms: number }> | undefined;
  const leaderKill = await timeFault('leader scheduler SIGKILL', () => {
    takeover = killLeader(schedulerA, apiB, CONTAINERS);
  });
  const takeoverMs = (await (takeover as Promise<{ ms: number }>)).ms;
  process.stdout.write(
    `  leader scheduler SIGKILL: the standby leads, subscribed, all running after ${(takeoverMs / 1000).toFixed(2)} s\n`,
  );

  stopTrickle = true;
  const trickled = await trickling;
  const [loadAtEnd = 0] = loadavg();
  const goals: Record<string, Goal> = {
    executor_kill_recovery_s: { value: executorKill.seconds, goal: 3, better: 'lower' },
    leader_kill_takeover_s: { value: takeoverMs / 1000, goal: ELECTION_SESSION_MS / 1000 + 2, better: 'lower' },
  };
  const metrics: Record<string, number> = {
    state_mb_requested: stateMb,
    key_bytes: KEY_BYTES,
    load_messages: loadMessages,
    changelog_records: changelog.records,
    changelog_mb: changelog.bytes / 2 ** 20,
    load_produce_s: produceSeconds,
    load_processed_s: loadSeconds,
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
    trickle_messages: trickled,
    load_average_1m_at_start: loadAtStart,
    load_average_1m_at_end: loadAtEnd,
  };
  await writeResult('failover', metrics, goals);
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
  await readPartitions(kafka, admin, requests, async (_, batch) => {
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
