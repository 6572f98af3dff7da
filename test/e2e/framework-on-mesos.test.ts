/**
 * The Sluice framework end to end (issue #7): scheduler processes elected through ZooKeeper, the
 * mini Mesos with real executor processes, real Kafka (a single node of its own, which it may kill).
 * One word-count job, with a standby replica of each task, goes through an executor SIGKILL (its
 * tasks back before its ZooKeeper session would have expired, the other containers never pausing),
 * the loss of an agent (its tasks go on from their standby copies; relaunched with none, it gets
 * tasks back once its own copies caught up), a SIGKILL of the leading scheduler, a rescale 3→2 (the removed container's
 * tasks go on from their standby copies), a second leader SIGKILL (the job stays at 2), a rescale
 * back to 3 through the scheduler's API, and a SIGKILL of the broker, restarted 12 s later: every container
 * must process again within 60 s of the broker serving, by itself. Input keeps arriving throughout
 * (its sends retry while the broker is down); the counts must stay exact, and no executor process
 * outlives its container by 35 s or more.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { logLevel, type Admin, type Kafka } from 'kafkajs';
import { readContainerReports } from '../../scheduler/framework/container-reports.js';
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { JobModelStore } from '../../shared/coordination/job-model-store.js';
import { ZkSession } from '../../shared/coordination/zk-session.js';
import { standbyHolders } from '../../shared/model/standby-placement.js';
import { createKafka } from '../../shared/kafka/client.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import { startKafkaCluster, type RunningKafka } from '../../dev/services/kafka.js';
import { freePort } from '../../dev/services/net.js';
import { infraSettings } from '../../dev/services/settings.js';
import { testKafka, testLogDir, zkConnect } from '../infra/services.js';
import {
  checkRuns,
  longestPause,
  produceWords,
  readTopic,
  waitForCheckpointsAtEnd,
  wordCountJob,
  type WordCountJob,
} from '../integration/container/harness.js';
import type { MiniMesos } from '../../dev/mini-mesos/index.js';
import { startCluster } from '../unit/mini-mesos/helpers/cluster.js';
import { keepExecutorLogs, killLeader, loseAgentOf, running, view, waitFor, type ContainerView } from './helpers/framework-run.js';
import { startSchedulerProcess } from './helpers/scheduler-process.js';

setLogLevel('warn');

/** A `sluice scheduler` process of the job, with its volumes; its log is `<job>-scheduler-<name>.log`. */
function startScheduler(
  t: TestContext,
  job: WordCountJob,
  masterUrl: string,
  port: number,
  name: string,
  brokers: readonly string[],
): ChildProcess {
  return startSchedulerProcess(t, job, {
    masterUrl,
    port,
    volumeMb: 64,
    executorLogLevel: 'info',
    logSuffix: `-${name}`,
    electionSessionMs: ELECTION_SESSION_MS,
    brokers,
  });
}

/** Changelog records in the partitions of the given tasks (their state's full history). */
async function changelogRecords(admin: Admin, job: WordCountJob, partitions: readonly number[]): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(job.changelog);
  return offsets
    .filter(({ partition }) => partitions.includes(partition))
    .reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
}

/** The schedulers' ZooKeeper session (`--election-session-ms`): the test ZooKeeper's least (2 ticks of 2 s). */
const ELECTION_SESSION_MS = 4_000;

/** The ZooKeeper session timeout of a container (coordinated-container.ts's default). */
const CONTAINER_SESSION_TIMEOUT_MS = 10_000;

function liveTaskStates(mesos: MiniMesos) {
  return mesos
    .state()
    .tasks.filter((task) => task.state === 'TASK_RUNNING' || task.state === 'TASK_STARTING' || task.state === 'TASK_STAGING');
}

const restored = (report: ContainerStatusReport): number => report.tasks.reduce((sum, task) => sum + (task.restore?.done ?? 0), 0);

/** Every Mesos task of the run, live or ended. */
function allTaskIds(mesos: MiniMesos): string[] {
  const state = mesos.state();
  return [...state.tasks.map((task) => task.taskId), ...state.completedTasks.map((task) => task.taskId)];
}

/** How long the broker stays down (SIGKILL to restart). */
const BROKER_DOWN_MS = 12_000;

/** From the restarted broker serving until every container processes again. */
const BROKER_RECOVERY_BOUND_MS = 60_000;

/**
 * How long an executor process may outlive its container (its task no longer live): the executor
 * waits at most 30 s for its terminal updates' acknowledgements before it exits, and the agent ends
 * one the scheduler shuts down after its 5 s grace period.
 */
const LINGER_BOUND_MS = 35_000;

/**
 * Samples the executor processes every 500 ms and remembers how long each ran without a live task;
 * `stop()` gives the longest (one still lingering counts until then) and whose it was.
 */
function watchLingering(mesos: MiniMesos): { stop: () => Promise<{ longestMs: number; executor: string | undefined }> } {
  const since = new Map<string, number>();
  let longest = { longestMs: 0, executor: undefined as string | undefined };
  const note = (key: string, ms: number) => {
    if (ms > longest.longestMs) longest = { longestMs: ms, executor: key };
  };
  let watching = true;
  const sampling = (async () => {
    while (watching) {
      const now = Date.now();
      let lingering: Set<string>;
      try {
        const live = new Set(liveTaskStates(mesos).map((task) => task.executorId));
        lingering = new Set(
          mesos
            .state()
            .executors.filter((executor) => executor.pid !== undefined && !live.has(executor.executorId))
            .map((executor) => `${executor.executorId} (pid ${executor.pid})`),
        );
      } catch {
        return; // the cluster is going away with a failed test
      }
      for (const key of lingering) if (!since.has(key)) since.set(key, now);
      for (const [key, at] of since) {
        note(key, now - at);
        if (!lingering.has(key)) since.delete(key);
      }
      // Never what keeps the test process alive after a failure.
      await sleep(500, undefined, { ref: false });
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await sampling;
      return longest;
    },
  };
}

describe('the Sluice framework on the mini Mesos, end to end', { timeout: 900_000 }, () => {
  it('survives an executor SIGKILL, an agent loss and a scheduler SIGKILL, rescales 3→2→3 through its API, rides out a broker SIGKILL, and counts exactly', async (t) => {
    // A Kafka of its own, which it SIGKILLs and restarts: the run's shared broker must never go down.
    const broker = await startKafkaCluster(infraSettings(), 1);
    const kafka = createKafka({ brokers: broker.brokers, clientId: 'framework-e2e' });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const zk = new ZkSession({ connect: zkConnect() });
    zk.start();
    t.after(() => zk.close());
    const job = await wordCountJob(6, 300, { containers: 3, standbys: 1 });
    await ensureTopic(admin, { topic: job.words, partitions: 6, compacted: false, purpose: 'test input' });
    await writeFile(join(dirname(job.configFile), 'bundle.txt'), 'the tests run sluice from the repository\n');

    // Room for one container per agent (0.3 cpus each): the job spreads over three agents, a fourth is spare.
    const mesos = await startCluster(t, { agents: 4, heartbeatIntervalMs: 500, resources: { cpus: 0.5 } });
    try {
      await scenarios(t, mesos, job, admin, kafka, zk, broker);
    } finally {
      // Stopped after the schedulers and executors (t.after runs its hooks in the order they were added).
      t.after(() => broker.stop());
      // The executors' logs live in their sandboxes, which go with the cluster: keep them with the test logs.
      await keepExecutorLogs(mesos, testLogDir(), job.name);
    }
  });
});

async function scenarios(
  t: TestContext,
  mesos: MiniMesos,
  job: WordCountJob,
  admin: Admin,
  kafka: Kafka,
  zk: ZkSession,
  broker: RunningKafka,
): Promise<void> {
  const reports = async () => readContainerReports(zk, job.name, {}, 2_000);
  const timings: Record<string, number> = {};
  const lingerWatch = watchLingering(mesos);
  t.after(() => lingerWatch.stop());
  const [portA, portB] = [await freePort(), await freePort()];
  const apiA = `http://127.0.0.1:${portA}`;
  const apiB = `http://127.0.0.1:${portB}`;
  const schedulerA = startScheduler(t, job, mesos.masterUrl, portA, 'a', broker.brokers);
  await waitFor('scheduler a leads', async () => ((await view(apiA))?.leader ? true : undefined));
  const schedulerB = startScheduler(t, job, mesos.masterUrl, portB, 'b', broker.brokers);

  // Input keeps arriving through every scenario (bounded; stopped once they are done). Its sends
  // retry for minutes (the product's clients give up sooner): they ride out the broker's SIGKILL and restart.
  let stopInput = false;
  t.after(() => (stopInput = true)); // a failed test stops it too
  const input = testKafka('framework-e2e-input', {
    brokers: broker.brokers,
    retry: { retries: 40, initialRetryTime: 200, maxRetryTime: 5_000 },
    logLevel: logLevel.NOTHING,
  });
  const produced = produceWords(input, job.words, 6_000_000, 11, 400, () => stopInput);

  // 1. Three containers, each on its own agent.
  const first = await waitFor('3 containers running', running(apiA, 3));
  assert.equal(new Set(first.containers.map((c) => c.host)).size, 3, `distinct hosts: ${JSON.stringify(first.containers)}`);
  await waitFor('every container processing', async () => {
    const all = await reports();
    return all.size === 3 && [...all.values()].every((report) => report.processedTotal > 0) ? true : undefined;
  });

  // 2. SIGKILL one executor: relaunched on the same agent, it reuses its local state.
  const partitionsOf = (report: ContainerStatusReport) => report.tasks.map((task) => Number(task.name.replace('Partition ', '')));
  const victimPartitions = partitionsOf((await reports()).get('1') as ContainerStatusReport);
  await waitFor('container 1 has state worth restoring', async () =>
    (await changelogRecords(admin, job, victimPartitions)) >= 2000 ? true : undefined,
  );
  const victim = first.containers.find((c) => c.id === '1') as ContainerView;
  // The other containers' processed counts, sampled from the kill until container 1 is back.
  const others = new Map<string, { at: number; processed: number }[]>([
    ['0', []],
    ['2', []],
  ]);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const all = await reports();
      for (const [id, samples] of others) {
        const report = all.get(id);
        if (report) samples.push({ at: Date.now(), processed: report.processedTotal });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const killedAt = Date.now();
  mesos.killExecutor(victim.taskId as string);
  const relaunched = await waitFor(
    'container 1 relaunched',
    running(apiA, 3, (v) => v.containers.find((c) => c.id === '1')?.taskId !== victim.taskId),
  );
  assert.equal(relaunched.containers.find((c) => c.id === '1')?.host, victim.host, 'relaunched on the agent that holds its volume');
  const back = await waitFor('container 1 processing again', async () => {
    const report = (await reports()).get('1');
    return report !== undefined && report.processedTotal > 0 ? report : undefined;
  });
  timings.executorKillToProcessingMs = Date.now() - killedAt;
  sampling = false;
  await sampler;
  // The agent saw the executor die, so the scheduler freed its claims and the successor evicted its
  // dead group member: nothing waited for the dead process's ZooKeeper session (10 s) to expire.
  assert.ok(
    timings.executorKillToProcessingMs < CONTAINER_SESSION_TIMEOUT_MS,
    `container 1 processing again ${timings.executorKillToProcessingMs} ms after the kill, before its session (${CONTAINER_SESSION_TIMEOUT_MS} ms) would have expired`,
  );
  // Input arrives every 0.4 s: each other container processed more in every 3 s of the recovery.
  for (const [id, samples] of others) {
    const pause = longestPause(samples);
    timings[`container${id}LongestPauseMs`] = pause;
    assert.ok(
      pause < 3_000,
      `container ${id} kept processing while container 1 came back: longest time without progress ${pause} ms over ${samples.length} samples`,
    );
  }
  const history = await changelogRecords(admin, job, partitionsOf(back));
  // It kept its local DBs: at most the tail after their last commit replayed (a SIGKILL between a checkpoint and its engine write leaves one commit's records).
  assert.ok(
    back.tasks.every((task) => task.restore === null || task.restore.rebuilt === false),
    `container 1 reused its local stores: ${JSON.stringify(back.tasks)}`,
  );
  assert.ok(restored(back) < history, `container 1 restored ${restored(back)} of ${history} changelog records`);

  // 3. An agent is lost (partitioned, its executor dead): container 2's tasks go on from their standby
  // copies on the containers that kept them, replaying only the tail, without waiting for its
  // relaunch; relaunched elsewhere with no task, container 2 keeps copies of its own, and once they
  // have caught up it gets back tasks it kept warm.
  const moved = relaunched.containers.find((c) => c.id === '2') as ContainerView;
  const modelAtLoss = (await new JobModelStore(zk, job.name).read())?.model;
  assert.ok(modelAtLoss !== undefined, 'the job model');
  const lostTasks = modelAtLoss.containers.find((c) => c.id === '2')?.tasks.map((task) => task.name) ?? [];
  const holders = standbyHolders(modelAtLoss, 1);
  const lossHistory = await changelogRecords(admin, job, partitionsOf((await reports()).get('2') as ContainerStatusReport));
  const lostAt = Date.now();
  loseAgentOf(mesos, moved.host);
  const onStandbys = await waitFor(
    "container 2's tasks processing on their standbys",
    async () => {
      const taken = [...(await reports())]
        .filter(([id]) => id !== '2')
        .flatMap(([id, report]) => report.tasks.filter((task) => lostTasks.includes(task.name)).map((task) => ({ id, task })));
      return taken.length === lostTasks.length && taken.every(({ task }) => task.state === 'running' && task.processed > 0)
        ? taken
        : undefined;
    },
    120_000,
  );
  timings.agentLossToProcessingMs = Date.now() - lostAt;
  for (const { id, task } of onStandbys) {
    assert.deepEqual([id], holders.get(task.name), `${task.name} moved to the container that kept its standby`);
    // null: its copy was at the checkpoint already, nothing to replay.
    assert.ok(task.restore === null || !task.restore.rebuilt, `${task.name} went on from its copy: ${JSON.stringify(task)}`);
  }
  timings.agentLossReplayed = onStandbys.reduce((sum, { task }) => sum + (task.restore?.done ?? 0), 0);
  assert.ok(
    timings.agentLossReplayed * 3 < lossHistory,
    `the standbys replayed only the tail: ${timings.agentLossReplayed} of the ${lossHistory} records in the lost tasks' changelogs`,
  );
  const afterLoss = await waitFor(
    'container 2 running elsewhere',
    running(apiA, 3, (v) => v.containers.find((c) => c.id === '2')?.host !== moved.host),
    180_000,
  );
  const cameBack = await waitFor(
    'container 2 back with two tasks, processing',
    async () => {
      const report = (await reports()).get('2');
      return report !== undefined &&
        report.tasks.length === 2 &&
        report.tasks.every((task) => task.state === 'running' && task.processed > 0)
        ? report
        : undefined;
    },
    240_000,
  );
  timings.agentLossToBackMs = Date.now() - lostAt;
  assert.ok(
    cameBack.tasks.every((task) => task.restore === null || !task.restore.rebuilt),
    `container 2 came back to tasks it kept warm on its new agent: ${JSON.stringify(cameBack.tasks)}`,
  );

  // 4. SIGKILL the leading scheduler: the standby takes over the same framework and the same tasks.
  const before = await waitFor('a stable view', running(apiA, 3));
  const firstTakeover = await killLeader(schedulerA, apiB, 3);
  const takenOver = firstTakeover.view;
  timings.schedulerTakeoverMs = firstTakeover.ms;
  assert.ok(
    timings.schedulerTakeoverMs < CONTAINER_SESSION_TIMEOUT_MS,
    `the standby led, subscribed, with every container running, ${timings.schedulerTakeoverMs} ms after the kill: bounded by the ${ELECTION_SESSION_MS} ms election session, not the default 10 s`,
  );
  assert.equal(takenOver.frameworkId, before.frameworkId, 'the same FrameworkID');
  assert.deepEqual(
    takenOver.containers.map((c) => c.taskId).sort(),
    before.containers.map((c) => c.taskId).sort(),
    'no container launched again',
  );
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const liveTasks = liveTaskStates(mesos);
  assert.equal(liveTasks.length, 3, `no duplicate tasks after the takeover: ${JSON.stringify(liveTasks)}`);

  // 5. Rescale 3 → 2 → 3 through the scheduler's API.
  const rescale = async (api: string, containers: number) => {
    const response = await fetch(`${api}/api/v1/rescale`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ containers }),
    });
    assert.ok(
      response.status >= 200 && response.status < 300,
      `rescale to ${containers}: HTTP ${response.status} ${await response.text()}`,
    );
  };
  // Container 2's tasks move to the containers that kept their standby replicas (task.standbys: 1).
  const leaving = ((await reports()).get('2')?.tasks ?? []).map((task) => task.name);
  assert.equal(leaving.length, 2, 'container 2 runs two tasks before the rescale');
  await rescale(apiB, 2);
  // Seconds when the machine is quiet; the bounds leave room for a loaded CI machine.
  const two = await waitFor(
    '2 containers on the new model',
    running(apiB, 2, (v) => (v.jobModelVersion ?? 0) > (takenOver.jobModelVersion ?? 0)),
    180_000,
  );
  const takenOn = await waitFor('the moved tasks restored by their new owners', async () => {
    const taken = [...(await reports()).values()].flatMap((report) => report.tasks).filter((task) => leaving.includes(task.name));
    return taken.length === 2 && taken.every((task) => task.state === 'running') ? taken : undefined;
  });
  assert.ok(
    takenOn.every((task) => task.restore === null || task.restore.rebuilt === false),
    `the moved tasks went on from their standby copies, replaying only the tail: ${JSON.stringify(takenOn)}`,
  );

  // 6. SIGKILL the leader after the rescale: its successor plans from the rescale kept in ZooKeeper, not from the config's 3.
  const portC = await freePort();
  const apiC = `http://127.0.0.1:${portC}`;
  startScheduler(t, job, mesos.masterUrl, portC, 'c', broker.brokers);
  await waitFor('scheduler c stands by', async () => ((await view(apiC)) !== undefined ? true : undefined));
  const secondTakeover = await killLeader(schedulerB, apiC, 2);
  const afterFailover = secondTakeover.view;
  timings.secondTakeoverMs = secondTakeover.ms;
  assert.equal(afterFailover.jobModelVersion, two.jobModelVersion, 'the new leader kept the job model of the rescale');
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const settled = await view(apiC);
  assert.equal(settled?.containers.length, 2, `still 2 containers after the failover: ${JSON.stringify(settled?.containers)}`);
  assert.equal(settled?.jobModelVersion, two.jobModelVersion, 'and the same job model');

  await rescale(apiC, 3);
  await waitFor(
    '3 containers on the newest model',
    running(apiC, 3, (v) => (v.jobModelVersion ?? 0) > (two.jobModelVersion ?? 0)),
    180_000,
  );
  await waitFor('all 3 processing on the newest model', async () => {
    const all = await reports();
    return all.size === 3 &&
      [...all.values()].every((report) => report.jobModelVersion !== null && report.tasks.every((task) => task.state === 'running'))
      ? true
      : undefined;
  });

  // 7. SIGKILL the broker (the job's only one: its group and transaction coordinator, every partition's
  // leader) mid-run and restart it 12 s later, the input's send retrying meanwhile: the job catches up by itself.
  const [node] = broker.nodes;
  assert.ok(node, 'the broker');
  const tasksBefore = new Set(allTaskIds(mesos));
  const brokerKilledAt = Date.now();
  await node.kill();
  await sleep(BROKER_DOWN_MS);
  const restartAt = Date.now();
  timings.brokerDownMs = restartAt - brokerKilledAt;
  await node.restart();
  const brokerBackAt = Date.now();
  timings.brokerRestartMs = brokerBackAt - restartAt;
  // The test's own admin client: fresh connections to the restarted broker.
  await admin.disconnect();
  await admin.connect();
  const atRestart = new Map([...(await reports())].map(([id, report]) => [id, report.processedTotal]));
  await waitFor('3 containers running after the broker restart', running(apiC, 3), 180_000);
  await waitFor(
    'every container processing again after the broker restart',
    async () => {
      const all = await reports();
      const again = ['0', '1', '2'].every((id) => {
        const report = all.get(id);
        return (
          report !== undefined &&
          report.processedTotal > 0 &&
          report.processedTotal !== atRestart.get(id) &&
          report.tasks.length > 0 &&
          report.tasks.every((task) => task.state === 'running')
        );
      });
      return again ? true : undefined;
    },
    180_000,
  );
  timings.brokerBackToProcessingMs = Date.now() - brokerBackAt;
  const relaunches = allTaskIds(mesos).filter((id) => !tasksBefore.has(id));
  assert.ok(
    timings.brokerBackToProcessingMs < BROKER_RECOVERY_BOUND_MS,
    `every container processing again ${timings.brokerBackToProcessingMs} ms after the broker served again (bound ${BROKER_RECOVERY_BOUND_MS} ms); relaunched: ${JSON.stringify(relaunches)}`,
  );

  // Exact counts: every update once in the stores; emitted counts may repeat after the kills but never skip.
  stopInput = true;
  const counts = await produced;
  await waitForCheckpointsAtEnd(admin, job, 300_000);
  const changelog = await readTopic(kafka, admin, job.changelog);
  const emitted = await readTopic(kafka, admin, job.counts);
  let duplicates = 0;
  for (const [word, count] of counts) {
    assert.equal(Number(changelog.get(word)?.at(-1)), count, `stored count of ${word}`);
    duplicates += checkRuns(word, (emitted.get(word) ?? []).map(Number), count);
  }
  const metrics = await (await fetch(`${apiC}/metrics`)).text();
  const sum = Number(/sluice_scheduler_offer_to_launch_seconds_sum\{[^}]*\} ([\d.e-]+)/.exec(metrics)?.[1] ?? NaN);
  const launches = Number(/sluice_scheduler_offer_to_launch_seconds_count\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? NaN);
  assert.ok(launches >= 1, 'the new leader launched containers (the rescale up)');
  // No executor outlives its container: every process the agents still run hosts a live task.
  const liveExecutors = new Set(liveTaskStates(mesos).map((task) => task.executorId));
  const lingering = mesos.state().executors.filter((executor) => executor.pid !== undefined && !liveExecutors.has(executor.executorId));
  assert.deepEqual(lingering, [], 'no executor process without a live task');
  const longestLinger = await lingerWatch.stop();
  assert.ok(
    longestLinger.longestMs < LINGER_BOUND_MS,
    `an executor process outlived its container by ${longestLinger.longestMs} ms (${longestLinger.executor}; bound ${LINGER_BOUND_MS} ms)`,
  );
  process.stdout.write(
    `# executor kill → processing again ${timings.executorKillToProcessingMs} ms (restored ${restored(back)} of ${history} records; ` +
      `longest pause of the other containers ${timings.container0LongestPauseMs} / ${timings.container2LongestPauseMs} ms); ` +
      `scheduler takeovers ${timings.schedulerTakeoverMs} / ${timings.secondTakeoverMs} ms (election session ${ELECTION_SESSION_MS} ms); offer-to-launch mean ${((sum / launches) * 1000).toFixed(1)} ms over ${launches} offers; ` +
      `agent loss → its tasks processing on their standbys ${timings.agentLossToProcessingMs} ms (replayed ${timings.agentLossReplayed} of ${lossHistory} records), ` +
      `container 2 back with tasks on ${afterLoss.containers.find((c) => c.id === '2')?.host} ${timings.agentLossToBackMs} ms; ` +
      `broker SIGKILL, down ${timings.brokerDownMs} ms, restart ${timings.brokerRestartMs} ms → every container processing again ${timings.brokerBackToProcessingMs} ms, ` +
      `${relaunches.length} container relaunches${relaunches.length > 0 ? ` (${relaunches.join(', ')})` : ''}; ` +
      `longest executor without a live task ${longestLinger.longestMs} ms; ` +
      `${[...counts.values()].reduce((a, b) => a + b, 0)} words, ${duplicates} repeated emissions\n`,
  );
}
