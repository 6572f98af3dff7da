/**
 * Standby replicas (task.standbys: 1) on three container processes following the job model in
 * ZooKeeper, each with a state dir of its own (as on three agents): every container keeps warm
 * copies of other containers' tasks, reported with their lag; a rescale 3 → 2 moves the removed
 * container's tasks to the containers that kept their copies, whose restores replay only the tail
 * of each changelog; the counts stay exact. When a container is lost with its agent (SIGKILLed,
 * its state dir gone), the model puts it away: its tasks go on from their copies, it comes back
 * with a fresh state dir and no task, keeps copies, and once they caught up it gets tasks it kept
 * warm; exactly once, nothing is counted or emitted twice.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ContainerRegistry } from '../../../shared/coordination/container-registry.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { findContainerOfTask, listTasks } from '../../../shared/model/job-model.js';
import { standbyHolders } from '../../../shared/model/standby-placement.js';
import { kafkaBrokers, zkConnect } from '../../infra/services.js';
import {
  containerLog,
  exitOf,
  killContainers,
  produceWordsUntil,
  startContainer,
  waitForCheckpoints,
  waitForModel,
  waitForProcessing,
  waitForReport,
  wordCountJob,
  restoresPlanned,
  stopAndCheckCounts,
} from './harness.js';
import { ModelPublisher } from './model-publisher.js';

setLogLevel('warn');

describe('standby replicas', { timeout: 600_000 }, () => {
  it('keep warm copies on other containers; a rescale moves tasks to them and replays only the tail; counts exact', async (t) => {
    t.after(killContainers);
    const input = { done: false, produced: Promise.resolve(new Map<string, number>()) };
    t.after(async () => {
      input.done = true;
      await input.produced.catch(() => undefined);
    });
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'standby-test' });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const job = await wordCountJob(6, 300, { containers: 3, standbys: 1 });
    await ensureTopic(admin, { topic: job.words, partitions: 6, compacted: false, purpose: 'test input' });
    const publisher = await ModelPublisher.lead(job.configFile);
    t.after(() => publisher.close());
    const registry = new ContainerRegistry(publisher.zkSession, job.name);
    const stateRoot = await mkdtemp(join(tmpdir(), 'sluice-standby-'));
    const children = new Map(
      ['0', '1', '2'].map((id) => [id, startContainer(job, id, { zookeeper: zkConnect(), stateDir: join(stateRoot, id) })]),
    );
    const child = (id: string) => children.get(id) as NonNullable<ReturnType<typeof startContainer>>;

    const three = await publisher.publish(3);
    input.produced = produceWordsUntil(kafka, admin, job, () => input.done, { seed: 11, pauseMs: 50 });
    await waitForModel(registry, ['0', '1', '2'], three.version);
    const holders = standbyHolders(three, 1);
    // Each container keeps copies of two tasks of the others, caught up with their checkpoints.
    for (const id of ['0', '1', '2']) {
      const kept = [...holders].filter(([, held]) => held.includes(id)).map(([task]) => task);
      assert.equal(kept.length, 2, `container ${id} keeps two standbys`);
      const report = await waitForReport(registry, id, `its standbys of ${kept.join(', ')} caught up`, (candidate) =>
        kept.every((task) => candidate.standbys?.some((standby) => standby.name === task && standby.lag !== null) === true),
      );
      assert.deepEqual(report.standbys?.map((standby) => standby.name).sort(), [...kept].sort());
    }
    // Let the changelogs grow well past what one pass behind could be.
    await waitForCheckpoints(admin, job, (offset) => offset > 60_000, 'past 60,000 on every partition', 300_000);

    // Container 2 goes: its tasks move to the containers that kept their copies.
    const moving = three.containers.find((container) => container.id === '2')?.tasks.map((task) => task.name) ?? [];
    for (const task of moving) {
      const holder = holders.get(task)?.[0] as string;
      assert.ok(
        existsSync(join(stateRoot, holder, job.name, 'counts', encodeURIComponent(task), 'OFFSET')),
        `${holder} has ${task}'s copy`,
      );
    }
    const two = await publisher.publish(2);
    await waitForModel(registry, ['0', '1'], two.version);
    assert.equal(await exitOf(child('2')), 0, 'the removed container exits cleanly');
    const changelogEnds = new Map((await admin.fetchTopicOffsets(job.changelog)).map(({ partition, high }) => [partition, Number(high)]));
    for (const task of moving) {
      const owner = findContainerOfTask(two, task)?.id as string;
      assert.deepEqual(holders.get(task), [owner], `${task} moved to the container that kept its copy`);
      await waitForProcessing(registry, owner, [task]);
      const restore = (await restoresPlanned(containerLog(job, owner))).filter((entry) => entry.task === task).at(-1);
      const partition = three.containers.flatMap((container) => container.tasks).find((each) => each.name === task)?.changelogPartition;
      const records = changelogEnds.get(partition as number) ?? 0;
      assert.ok(restore?.reuseLocal, `${task} reused the copy on container ${owner}: ${JSON.stringify(restore)}`);
      assert.ok(
        restore.replay * 3 < records,
        `${task} replayed only the tail: ${restore.replay} of the ${records} records in its changelog`,
      );
      process.stdout.write(`# ${task} → container ${owner}: replayed ${restore.replay} of ${records} changelog records\n`);
    }
    input.done = true;

    const counts = await input.produced;
    const { duplicates } = await stopAndCheckCounts(kafka, admin, job, [child('0'), child('1')], counts);
    assert.equal(duplicates, 0, 'a clean hand-over commits before it releases: nothing is processed twice');
  });
  it('after an agent loss its tasks go on from their copies, and it comes back to tasks it kept warm; exactly once', async (t) => {
    t.after(killContainers);
    const input = { done: false, produced: Promise.resolve(new Map<string, number>()) };
    t.after(async () => {
      input.done = true;
      await input.produced.catch(() => undefined);
    });
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'standby-loss-test' });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const job = await wordCountJob(6, 300, { containers: 3, standbys: 1, guarantee: 'exactly-once' });
    await ensureTopic(admin, { topic: job.words, partitions: 6, compacted: false, purpose: 'test input' });
    const publisher = await ModelPublisher.lead(job.configFile);
    t.after(() => publisher.close());
    const registry = new ContainerRegistry(publisher.zkSession, job.name);
    const stateRoot = await mkdtemp(join(tmpdir(), 'sluice-standby-loss-'));
    const start = (id: string, dir: string) => startContainer(job, id, { zookeeper: zkConnect(), stateDir: join(stateRoot, dir) });
    const children = new Map(['0', '1', '2'].map((id) => [id, start(id, id)]));
    const child = (id: string) => children.get(id) as NonNullable<ReturnType<typeof startContainer>>;

    const three = await publisher.publish(3);
    input.produced = produceWordsUntil(kafka, admin, job, () => input.done, { seed: 13, pauseMs: 50 });
    await waitForModel(registry, ['0', '1', '2'], three.version);
    const holders = standbyHolders(three, 1);
    const lost = three.containers.find((container) => container.id === '2')?.tasks.map((task) => task.name) ?? [];
    for (const task of lost) {
      const holder = holders.get(task)?.[0] as string;
      await waitForReport(
        registry,
        holder,
        `its copy of ${task}`,
        (report) => report.standbys?.some((standby) => standby.name === task && standby.lag !== null) === true,
      );
    }
    await waitForCheckpoints(admin, job, (offset) => offset > 40_000, 'past 40,000 on every partition', 300_000);

    // The agent of container 2 is lost: its process dies with its state; the model puts it away.
    child('2').kill('SIGKILL');
    await exitOf(child('2'));
    const away = await publisher.publish(3, new Set(['2']));
    assert.deepEqual(away.containers.find((container) => container.id === '2')?.tasks, [], 'container 2 runs nothing while away');
    const changelogEnds = async () =>
      new Map((await admin.fetchTopicOffsets(job.changelog)).map(({ partition, high }) => [partition, Number(high)]));
    const checkTail = async (task: string, owner: string, records: number, where: string) => {
      const restore = (await restoresPlanned(containerLog(job, owner))).filter((entry) => entry.task === task).at(-1);
      assert.ok(restore?.reuseLocal, `${task} reused the copy on container ${owner}: ${JSON.stringify(restore)}`);
      assert.ok(
        restore.replay * 3 < records,
        `${task} replayed only the tail: ${restore.replay} of the ${records} records in its changelog`,
      );
      process.stdout.write(`# ${where}: ${task} → container ${owner}, replayed ${restore.replay} of ${records} changelog records\n`);
    };
    const partitionOf = (task: string) => listTasks(three).find((each) => each.name === task)?.changelogPartition as number;
    const atLoss = await changelogEnds();
    for (const task of lost) {
      const owner = findContainerOfTask(away, task)?.id as string;
      assert.deepEqual(holders.get(task), [owner], `${task} moved to the container that kept its copy`);
      // Claimed once the dead container's ZooKeeper session expired (its fate is unknown to the scheduler).
      await waitForProcessing(registry, owner, [task]);
      await checkTail(task, owner, atLoss.get(partitionOf(task)) ?? 0, 'lost');
    }

    // Relaunched on another agent: a new state dir and no task, only copies; once they caught up it gets tasks back.
    children.set('2', start('2', '2-relaunched'));
    await waitForModel(registry, ['0', '1', '2'], away.version);
    const warm = await waitForReport(
      registry,
      '2',
      'its copies caught up',
      (report) => (report.standbys ?? []).length > 0 && (report.standbys ?? []).every((standby) => standby.lag !== null),
    );
    assert.deepEqual(warm.tasks, [], 'container 2 runs no task while away');
    const back = await publisher.publish(3);
    await waitForModel(registry, ['0', '1', '2'], back.version);
    const returned = back.containers.find((container) => container.id === '2')?.tasks.map((task) => task.name) ?? [];
    assert.equal(returned.length, 2, 'container 2 runs two tasks again');
    const atReturn = await changelogEnds();
    for (const task of returned) {
      assert.ok(
        warm.standbys?.some((standby) => standby.name === task),
        `${task} came back to container 2, which kept it warm`,
      );
      await waitForProcessing(registry, '2', [task]);
      await checkTail(task, '2', atReturn.get(partitionOf(task)) ?? 0, 'back');
    }
    input.done = true;

    const counts = await input.produced;
    const { duplicates } = await stopAndCheckCounts(kafka, admin, job, ['0', '1', '2'].map(child), counts);
    assert.equal(duplicates, 0, 'exactly once: nothing the dead container did counts twice');
  });
});
