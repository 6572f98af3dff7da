import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { leaderDir, jobRoot } from '../../shared/coordination/layout.js';
import { ZkClient } from '../../shared/coordination/zk-client.js';
import { loadJobConfig } from '../../shared/config/job-config.js';
import { createKafka } from '../../shared/kafka/client.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import { DEFAULT_PLANNER_TIMINGS } from '../../scheduler/planner/index.js';
import type { FrameworkOptions } from '../../scheduler/framework/framework-options.js';
import type { FrameworkStatus } from '../../scheduler/framework/framework-status.js';
import { SchedulerService } from '../../scheduler/scheduler-service.js';
import { kafkaBrokers, uniqueName, zkConnect } from '../infra/services.js';
import { wordCountJob } from '../integration/container/harness.js';
import { frameworkInfo, startCluster } from '../unit/mini-mesos/helpers/cluster.js';
import { TestScheduler } from '../unit/mini-mesos/helpers/scheduler-client.js';
import { startService, until } from './helpers/scheduler-service.js';
import { loseAgentOf } from './helpers/framework-run.js';
import { JobModelStore } from '../../shared/coordination/job-model-store.js';
import { ZkSession } from '../../shared/coordination/zk-session.js';
import { findContainerOfTask } from '../../shared/model/job-model.js';
import { standbyHolders } from '../../shared/model/standby-placement.js';

setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'error');
/** Stays RUNNING until killed: enough to watch the scheduler's side of things quickly. */
const TEST_EXECUTOR = `'${process.execPath}' --import '${import.meta.resolve('tsx')}' '${fileURLToPath(new URL('../unit/mini-mesos/helpers/test-executor.ts', import.meta.url))}'`;

async function jobOptions(
  t: TestContext,
  master: string,
  executorCommand: string,
  overrides: Partial<FrameworkOptions> = {},
  shape: { readonly partitions: number; readonly containers?: number; readonly standbys?: number } = { partitions: 2 },
): Promise<FrameworkOptions> {
  const job = await wordCountJob(shape.partitions, 300, { containers: shape.containers, standbys: shape.standbys });
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'scheduler-framework-e2e' });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await ensureTopic(admin, { topic: job.words, partitions: shape.partitions, compacted: false, purpose: 'test input' });
  const bundle = join(dirname(job.configFile), 'bundle.txt');
  await writeFile(bundle, 'not used\n');
  return {
    config: await loadJobConfig(job.configFile),
    master,
    kafkaBrokers: kafkaBrokers(),
    role: 'sluice',
    principal: 'sluice',
    user: os.userInfo().username,
    failoverTimeoutSeconds: 3600,
    resources: { cpus: 0.2, memMb: 64, diskMb: 0, ports: 1 },
    storage: { kind: 'host-dir', path: join(dirname(job.configFile), 'state') },
    timings: {
      ...DEFAULT_PLANNER_TIMINGS,
      localityWaitMs: 1_000,
      backoffInitialMs: 50,
      backoffMaxMs: 200,
      declineShortSeconds: 0.2,
      declineLongSeconds: 5,
    },
    launch: { bundleUri: bundle, executorCommand, jobConfig: job.configFile, zookeeper: zkConnect(), kafkaBrokers: kafkaBrokers() },
    reviveMinIntervalMs: 100,
    reconcile: { initialMs: 300, maxMs: 1_000, implicitEveryMs: 60_000 },
    subscribeBackoff: { initialMs: 50, maxMs: 500 },
    ...overrides,
  };
}

const running = (service: SchedulerService, count: number) => (): FrameworkStatus | undefined => {
  const status = service.framework?.status();
  return status?.containers.length === count && status.containers.every((c) => c.state === 'running') ? status : undefined;
};

async function zkClient(t: TestContext): Promise<ZkClient> {
  const client = new ZkClient({ connect: zkConnect(), sessionTimeoutMs: 10_000, callTimeoutMs: 5_000 });
  t.after(() => client.close());
  return client;
}

describe('the Sluice framework', { timeout: 120_000 }, () => {
  it('finds the master through ZooKeeper, rescales onto a new job model, and removes the job', async (t) => {
    const mesos = await startCluster(t, { agents: 2 });
    const zk = await zkClient(t);
    const mesosPath = `/${uniqueName('mesos')}`;
    const port = Number(new URL(mesos.masterUrl).port);
    const info = (p: number) =>
      Buffer.from(
        JSON.stringify({ id: 'm', ip: 0, port: p, hostname: '127.0.0.1', address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: p } }),
      );
    await zk.mkdirp(mesosPath);
    await zk.create(`${mesosPath}/json.info_0000000002`, info(port));
    await zk.create(`${mesosPath}/json.info_0000000007`, info(1)); // a standby master: never asked
    const options = await jobOptions(t, `zk://${zkConnect()}${mesosPath}`, TEST_EXECUTOR);
    const service = startService(t, options, 'only');

    const before = await until('two containers running', running(service, 2));
    assert.equal(before.jobModelVersion, 1);
    const framework = service.framework;
    assert.ok(framework !== undefined);
    await framework.rescale(1);
    const after = await until('one container running on the new model', running(service, 1));
    assert.equal(after.jobModelVersion, 2);
    assert.equal(
      after.containers[0]?.taskId,
      before.containers.find((c) => c.id === '0')?.taskId,
      'the kept container goes on (it follows the model itself)',
    );
    await until('the dropped container killed', () => (mesos.state().tasks.length === 1 ? true : undefined));

    await framework.remove();
    assert.deepEqual(mesos.state().removedFrameworks, [before.frameworkId]);
    assert.deepEqual(await zk.getChildren(jobRoot(options.config.name)), ['leader']);
  });

  it('keeps its tasks across a Mesos master failover: re-subscribes as the same framework and reconciles', async (t) => {
    const mesos = await startCluster(t, { agents: 2 });
    const service = startService(t, await jobOptions(t, mesos.masterUrl, TEST_EXECUTOR), 'only');
    const before = await until('two containers running', running(service, 2));
    await mesos.restartMaster({ downtimeMs: 500 });
    await until('subscribed to the new master', () => (mesos.state().frameworks[0]?.connected === true ? true : undefined));
    const after = await until('two containers running', running(service, 2));
    assert.equal(after.frameworkId, before.frameworkId);
    assert.deepEqual(
      after.containers.map((c) => c.taskId),
      before.containers.map((c) => c.taskId),
    );
    assert.deepEqual(
      mesos.state().tasks.map((task) => task.state),
      ['TASK_RUNNING', 'TASK_RUNNING'],
    );
  });

  it('stops acting when another scheduler takes its framework id over', async (t) => {
    const mesos = await startCluster(t, { agents: 1 });
    const service = startService(t, await jobOptions(t, mesos.masterUrl, TEST_EXECUTOR), 'only');
    const status = await until('subscribed', () => service.framework?.status().frameworkId);
    await until('subscribed', () => (service.framework?.status().subscribed === true ? true : undefined));
    const intruder = await TestScheduler.subscribe(
      mesos.masterUrl,
      frameworkInfo({ id: { value: status }, roles: ['sluice'], capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 60 }),
    );
    t.after(() => intruder.close());
    assert.equal(intruder.history[0]?.type, 'SUBSCRIBED', JSON.stringify(intruder.history[0]));
    const errors = await until('the failover reported', () => {
      const errors = service.framework?.status().errors ?? [];
      return errors.length > 0 ? errors : undefined;
    });
    assert.equal(errors[0]?.code, 'FRAMEWORK_FAILED_OVER');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(service.framework?.status().subscribed, false, 'it did not subscribe again');
    // Had it subscribed again, the master would have failed the other one over with an ERROR event.
    assert.deepEqual(
      intruder.history.filter((event) => event.type === 'ERROR'),
      [],
      'the other scheduler keeps the framework',
    );
  });

  it('never gives up on a failing container: relaunches it with backoff, shows why meanwhile, and clears the error once it runs', async (t) => {
    const mesos = await startCluster(t, { agents: 2 });
    const dir = await mkdtemp(join(os.tmpdir(), 'sluice-failing-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    // The first 24 launches (of either container) exit 3 at once; later ones run. Samza gives a
    // container up after 8 failures in a row, as this framework did.
    const counter = join(dir, 'launches');
    const command = `n=$(cat '${counter}' 2>/dev/null || echo 0); echo $((n + 1)) > '${counter}'; [ "$n" -ge 24 ] || exit 3; exec ${TEST_EXECUTOR}`;
    const service = startService(t, await jobOptions(t, mesos.masterUrl, command), 'only');

    const failing = await until('a container failing 9 times in a row, its error shown', () => {
      const status = service.framework?.status();
      const error = status?.errors.find((e) => e.code === 'CONTAINER_FAILING' && e.failures >= 9);
      return error === undefined || status === undefined ? undefined : { error, status };
    });
    const { error } = failing;
    assert.ok(error.code === 'CONTAINER_FAILING');
    assert.match(
      error.message,
      new RegExp(
        `^container ${error.container} of job '.+' failed ${error.failures} times in a row, the last on agent \\S+ \\('127\\.0\\.0\\.\\d'\\): ` +
          'TASK_FAILED \\(REASON_EXECUTOR_TERMINATED\\): Executor terminated; it is relaunched, next attempt due at \\d{4}-\\d\\d-\\d\\dT',
      ),
    );
    assert.equal(error.lastFailure?.cause?.state, 'TASK_FAILED');
    const container = failing.status.containers.find((c) => c.id === error.container);
    assert.ok(container !== undefined && container.failures >= error.failures && container.lastFailure !== undefined);

    const recovered = await until('both containers running after all', running(service, 2), 60_000);
    assert.deepEqual(recovered.errors, [], 'a TASK_RUNNING clears the error');
    assert.deepEqual(
      recovered.containers.map((c) => [c.failures, c.lastFailure]),
      [
        [0, undefined],
        [0, undefined],
      ],
    );
    const failed = mesos.state().completedTasks.filter((task) => task.state === 'TASK_FAILED');
    assert.ok(failed.length >= 24, `${failed.length} failed launches`);
  });

  it('with standbys, a container lost with its agent is put away: its tasks go to their standbys, it comes back without tasks, and a new leader keeps it away', async (t) => {
    // One container per agent (0.2 cpus each), a spare agent for the relaunch.
    const mesos = await startCluster(t, { agents: 4, resources: { cpus: 0.3 } });
    const options = await jobOptions(t, mesos.masterUrl, TEST_EXECUTOR, {}, { partitions: 6, containers: 3, standbys: 1 });
    const session = new ZkSession({ connect: zkConnect() }).start();
    t.after(() => session.close());
    const models = new JobModelStore(session, options.config.name);
    const first = startService(t, options, 'first');
    const before = await until('three containers running', running(first, 3));
    const model = (await models.read())?.model;
    assert.ok(model !== undefined);
    const lost = before.containers.find((container) => container.id === '2');
    assert.equal(new Set(before.containers.map((container) => container.host)).size, 3, 'one container per agent');

    loseAgentOf(mesos, lost?.host);
    const away = await until(
      'container 2 relaunched elsewhere',
      () => {
        const status = first.framework?.status();
        const again = status?.containers.find((container) => container.id === '2');
        return again?.state === 'running' && again.host !== lost?.host ? status : undefined;
      },
      60_000,
    );
    const awayModel = (await models.read())?.model;
    assert.ok(awayModel !== undefined && awayModel.version > model.version);
    assert.deepEqual(awayModel.containers.find((container) => container.id === '2')?.tasks, [], 'container 2 has no task while away');
    const holders = standbyHolders(model, 1);
    for (const task of model.containers.find((container) => container.id === '2')?.tasks ?? [])
      assert.deepEqual([findContainerOfTask(awayModel, task.name)?.id], holders.get(task.name), `${task.name} went to its standby`);
    assert.equal(away.jobModelVersion, awayModel.version);

    // These executors report nothing, so the copies never look caught up: a new leader keeps container 2 away.
    await first.stop();
    const second = startService(t, options, 'second');
    const led = await until('the new leader runs three containers', running(second, 3));
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // past a return check
    assert.equal((await models.read())?.model.version, awayModel.version, 'the new leader keeps the model with container 2 away');
    assert.equal(led.jobModelVersion, awayModel.version);
  });

  it('a deposed leader closes its stream at once, and the standby fails over to the same framework with the same tasks', async (t) => {
    const mesos = await startCluster(t, { agents: 2 });
    const options = await jobOptions(t, mesos.masterUrl, TEST_EXECUTOR);
    const first = startService(t, options, 'first');
    const before = await until('two containers running', running(first, 2));
    const standby = startService(t, options, 'standby');
    const zk = await zkClient(t);
    const dir = leaderDir(options.config.name);
    let candidates: string[] = [];
    const deadline = Date.now() + 10_000;
    while (candidates.length < 2 && Date.now() < deadline) {
      candidates = (await zk.getChildren(dir)).sort((a, b) => Number(a.split('_').at(-1)) - Number(b.split('_').at(-1)));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(candidates.length, 2, 'the standby joined the election');
    assert.deepEqual([first.role, standby.role], ['leader', 'standby']);
    await zk.remove(`${dir}/${candidates[0]}`, -1); // an operator (or a lost session) deposes the leader

    await until(
      'the first scheduler stood down',
      () => (first.role === 'standby' && first.framework === undefined ? true : undefined),
      10_000,
    );
    const after = await until('the standby leads with running containers', running(standby, 2));
    assert.equal(standby.role, 'leader');
    assert.equal(after.frameworkId, before.frameworkId);
    assert.deepEqual(
      after.containers.map((c) => c.taskId),
      before.containers.map((c) => c.taskId),
    );
    const frameworks = mesos.state().frameworks;
    assert.deepEqual(
      frameworks.map((f) => [f.id, f.connected]),
      [[before.frameworkId, true]],
    );
  });
});
