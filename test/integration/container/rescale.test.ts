import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { ContainerStatusReport } from '../../../shared/config/executor-contract.js';
import { ContainerRegistry } from '../../../shared/coordination/container-registry.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { fourLetterWord } from '../../../dev/services/net.js';
import { kafkaBrokers, zkConnect } from '../../infra/services.js';
import {
  containerLog,
  exitOf,
  killContainers,
  longestPause,
  produceWordsUntil,
  readTopic,
  startContainer,
  waitForCheckpoints,
  wordCountJob,
  waitForModel,
  waitForProcessing,
  restoresPlanned,
  sampleTasks,
  stopAndCheckCounts,
} from './harness.js';
import { ModelPublisher } from './model-publisher.js';

setLogLevel('warn');

/** ZooKeeper's last transaction id: every write (create, delete, setData, session open/close) moves it by one. */
async function zxid(): Promise<number> {
  const port = Number(zkConnect().split(':')[1]);
  const match = /Zxid: (0x[0-9a-f]+)/.exec(await fourLetterWord(port, 'srvr'));
  assert.ok(match, 'srvr names the zxid');
  return Number(match[1]);
}

interface Processing {
  readonly pid: number;
  readonly offset: number;
  readonly at: number;
}

/**
 * From the processing records: no offset processed twice, every offset processed, and wherever a
 * partition changed hands, the giver's last message was processed before the taker's first.
 * Returns how many partitions changed hands.
 */
function checkNoOverlap(trace: Map<string, (string | null)[]>, ends: Map<number, number>): number {
  let handOvers = 0;
  for (const [partition, values] of trace) {
    const records: Processing[] = values.map((value) => {
      const [pid, offset, at] = String(value).split(' ').map(Number);
      return { pid: pid as number, offset: offset as number, at: at as number };
    });
    records.sort((a, b) => a.offset - b.offset);
    records.forEach((record, index) => assert.equal(record.offset, index, `partition ${partition}: offset ${index} processed once`));
    assert.equal(records.length, ends.get(Number(partition)), `partition ${partition}: every offset processed`);
    const runs: Processing[][] = [];
    for (const record of records) {
      const run = runs.at(-1);
      if (run?.[0]?.pid === record.pid) run.push(record);
      else runs.push([record]);
    }
    for (let i = 1; i < runs.length; i++) {
      const giver = runs[i - 1] as Processing[];
      const taker = runs[i] as Processing[];
      const giverLast = Math.max(...giver.map((record) => record.at));
      const takerFirst = Math.min(...taker.map((record) => record.at));
      assert.ok(
        giverLast <= takerFirst,
        `partition ${partition}: pid ${giver[0]?.pid} processed until ${giverLast}, after pid ${taker[0]?.pid} began at ${takerFirst}`,
      );
      handOvers++;
    }
  }
  return handOvers;
}

describe('rescaling a running word count through the job model in ZooKeeper', { timeout: 600_000 }, () => {
  it('goes 2 → 3 → 2 containers: counts exact, no partition in two containers at once, moved state restored from the changelog', async (t) => {
    t.after(killContainers);
    // Input keeps arriving until the scenario below says it may end (ended here, before the admin client closes, if it fails).
    const input = { done: false, produced: Promise.resolve(new Map<string, number>()) };
    t.after(async () => {
      input.done = true;
      await input.produced.catch(() => undefined);
    });
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'rescale-test' });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const job = await wordCountJob(8, 300, { traced: true });
    await ensureTopic(admin, { topic: job.words, partitions: 8, compacted: false, purpose: 'test input' });
    const publisher = await ModelPublisher.lead(job.configFile);
    t.after(() => publisher.close());
    const registry = new ContainerRegistry(publisher.zkSession, job.name);
    const stateRoot = await mkdtemp(join(tmpdir(), 'sluice-rescale-'));
    const start = (id: string) => startContainer(job, id, { zookeeper: zkConnect(), stateDir: join(stateRoot, id) });

    const first = await publisher.publish(2);
    // Container 2 starts too: it registers and waits until a model names it.
    const children = new Map(['0', '1', '2'].map((id) => [id, start(id)]));
    const child = (id: string) => children.get(id) as NonNullable<ReturnType<typeof start>>;
    // Input arrives until the tasks moved back at the scale-down have been processed by their new owners.
    input.produced = produceWordsUntil(kafka, admin, job, () => input.done, { seed: 7, pauseMs: 150 });
    await waitForModel(registry, ['0', '1'], first.version);
    // Every task has processed and checkpointed before the scale-up: whichever tasks move, their
    // changelogs have records to restore and their first owner's work to hand over.
    await waitForCheckpoints(admin, job, (offset) => offset > 0, 'past 0 on every partition before the scale-up');

    // Containers 0 and 1 stay through both rebalances: the tasks they keep must never stop (per-task hand-over).
    const keptThrough: { task: string; pause: number; samples: number }[] = [];
    const rebalance = async (containers: number, ids: string[]) => {
      const before = await zxid();
      const previous = await publisher.models.read();
      const samples = sampleTasks(registry, ['0', '1']);
      await sleep(500);
      const started = performance.now();
      const model = await publisher.publish(containers);
      await waitForModel(registry, ids, model.version);
      const ms = Math.round(performance.now() - started);
      await sleep(1_000);
      const sampled = await samples.stop();
      for (const id of ['0', '1']) {
        const had = new Set(previous?.model.containers.find((container) => container.id === id)?.tasks.map((task) => task.name));
        for (const task of model.containers.find((container) => container.id === id)?.tasks ?? []) {
          if (!had.has(task.name)) continue;
          const series = sampled.get(`${id}/${task.name}`) ?? [];
          const counts = series.map((sample) => sample.processed);
          assert.ok(
            counts.every((count, i) => i === 0 || count >= (counts[i - 1] as number)),
            `${task.name}, kept by container ${id}, was never started again: its count never went down (${counts.join(' ')})`,
          );
          keptThrough.push({ task: `${id}/${task.name}`, pause: longestPause(series), samples: series.length });
        }
      }
      return { model, ms, zkWrites: (await zxid()) - before };
    };
    const up = await rebalance(3, ['0', '1', '2']);
    // The taker reports its tasks on its status endpoint (registered in ZooKeeper), restored from the changelog.
    const taker = (await registry.list()).find((container) => container.id === '2');
    assert.ok(taker?.url, 'container 2 registered its status URL');
    const report = (await (await fetch(`${taker.url}/status`)).json()) as ContainerStatusReport;
    const moved = up.model.containers.find((container) => container.id === '2')?.tasks ?? [];
    const given = moved.map((task) => task.name);
    assert.deepEqual(report.tasks.map((task) => task.name).sort(), [...given].sort());
    assert.equal(report.jobModelVersion, up.model.version);
    for (const task of report.tasks)
      assert.ok(
        task.restore !== null && task.restore.done === task.restore.total && task.restore.total > 0,
        `${task.name} restored: ${JSON.stringify(task)}`,
      );
    // Container 2 works on every task it took before the scale-down takes them away again.
    await waitForProcessing(registry, '2', given);
    const down = await rebalance(2, ['0', '1']);
    assert.equal(await exitOf(child('2')), 0, 'the dropped container exits cleanly');
    // …and their new owners work on them too, before the input ends.
    for (const id of ['0', '1']) {
      const back =
        down.model.containers
          .find((container) => container.id === id)
          ?.tasks.map((task) => task.name)
          .filter((name) => given.includes(name)) ?? [];
      await waitForProcessing(registry, id, back);
    }
    input.done = true;

    const counts = await input.produced;
    const { duplicates } = await stopAndCheckCounts(kafka, admin, job, [child('0'), child('1')], counts);
    assert.equal(duplicates, 0, 'a clean hand-over commits before it releases: nothing is processed twice');

    const ends = new Map((await admin.fetchTopicOffsets(job.words)).map(({ partition, high }) => [partition, Number(high)]));
    const handOvers = checkNoOverlap(await readTopic(kafka, admin, job.trace), ends);
    // Each task container 2 held came to it from a container that had processed on it, and went on to one that did after.
    assert.ok(
      handOvers >= 2 * moved.length,
      `partitions changed hands (${handOvers}) twice for each task container 2 held (${given.join(', ')})`,
    );

    // The tasks containers 0 and 1 kept processed on through both hand-overs (input kept a backlog
    // throughout). At least once, a commit waits for the group's rebalance when a container's claim
    // grows, and the task's loop with it: bounded as the framework e2e bounds a pause (3 s, sampled every 100 ms).
    assert.ok(keptThrough.length >= 4, `tasks kept through the rebalances: ${JSON.stringify(keptThrough)}`);
    for (const { task, pause, samples } of keptThrough)
      assert.ok(
        pause < 2_000,
        `${task} kept processing through the hand-over: longest time without progress ${pause} ms over ${samples} samples`,
      );
    // Each task was restored once, at its container's start: a hand-over never restarted the tasks a container kept.
    for (const id of ['0', '1']) {
      const restored = (await restoresPlanned(containerLog(job, id))).map((restore) => restore.task);
      const kept = keptThrough.filter(({ task }) => task.startsWith(`${id}/`)).map(({ task }) => task.slice(2));
      for (const task of kept)
        assert.equal(
          restored.filter((name) => name === task).length,
          1,
          `${task} restored once by container ${id}: ${restored.join(', ')}`,
        );
    }

    // Container 2 had no local state: the tasks it took over were rebuilt from the changelog.
    const gained = (await restoresPlanned(containerLog(job, '2'))).filter((restore) => !restore.reuseLocal);
    assert.ok(
      gained.length > 0 && gained.every((restore) => restore.replay > 0),
      `container 2 restored its tasks: ${JSON.stringify(gained)}`,
    );
    process.stdout.write(
      `# rescale 2→3: ${up.ms} ms, ${up.zkWrites} ZooKeeper writes; 3→2: ${down.ms} ms, ${down.zkWrites} ZooKeeper writes; ` +
        `${handOvers} partition hand-overs; ${gained.length} stores restored from the changelog by container 2; ` +
        `kept tasks' longest pause ${Math.max(...keptThrough.map(({ pause }) => pause))} ms\n`,
    );
  });
});
