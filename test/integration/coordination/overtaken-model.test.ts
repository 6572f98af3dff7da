/**
 * A job model overtaken while a container claims what it gives: a rescale 3→2 hands container 0 a
 * task, and the model of the rescale back 2→3 arrives while container 0 still waits for that task's
 * claim (its holder releases it only later). Seen in a loaded framework e2e run: container 0 then
 * kept the claim of a task it no longer owned and ran nothing, and the task's new owner waited forever.
 * Container 0 must run model 3's tasks (the ones it kept all along) and hold no other claim.
 * Real ZooKeeper; the container's tasks are a stand-in (the hand-over is what is under test).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import type { RunningContainer } from '../../../executor/container/container.js';
import { CoordinatedContainer } from '../../../executor/runners/coordinated-container.js';
import { HandOverBarrier } from '../../../shared/coordination/hand-over-barrier.js';
import { JobModelStore } from '../../../shared/coordination/job-model-store.js';
import { LeaderElection } from '../../../shared/coordination/leader-election.js';
import { createLogger, setLogLevel } from '../../../shared/log.js';
import type { JobModel } from '../../../shared/model/job-model.js';
import { uniqueName, zkConnect } from '../../infra/services.js';
import { eventually, openSession } from './helpers.js';

setLogLevel('warn');

function model(job: string, version: number, tasksOf0: number[], tasksOf1: number[]): JobModel {
  const container = (id: string, partitions: number[]) => ({
    id,
    tasks: partitions.map((p) => ({
      name: `Partition ${p}`,
      ssps: [{ system: 'kafka', topic: 'in', partition: p }],
      changelogPartition: p,
    })),
  });
  return { job, version, containers: [container('0', tasksOf0), container('1', tasksOf1)] };
}

test('a model overtaken during a claim: the container runs the newest one and keeps no claim it does not own', async (t) => {
  const job = uniqueName('overtaken');
  const leader = await openSession();
  t.after(() => leader.close());
  const election = new LeaderElection(leader, { job, candidate: 'test' });
  const elected = once(election, 'elected');
  election.start();
  await elected;
  t.after(() => election.stop());
  const models = new JobModelStore(leader, job);
  let version = await models.write(model(job, 1, [0, 1], [2]), null, election.token());

  // Another container holds task 'Partition 2' until the test lets it go.
  const holderSession = await openSession();
  t.after(() => holderSession.close());
  const holder = new HandOverBarrier(holderSession, { job, containerId: '1' }).start();
  t.after(() => holder.stop());
  await holder.awaitReleased(['Partition 2'], { timeoutMs: 10_000 });

  const started: { version: number; tasks: string[] }[] = [];
  const added: string[] = [];
  const container = await CoordinatedContainer.start({
    job,
    containerId: '0',
    zookeeper: zkConnect(),
    logger: createLogger({ job, container: '0' }),
    claimTimeoutMs: 500,
    start: async (jobModel) => {
      const tasks = jobModel.containers.find((c) => c.id === '0')?.tasks.map((task) => task.name) ?? [];
      started.push({ version: jobModel.version, tasks });
      const running: RunningContainer = {
        tasks: [],
        followStandbys: () => undefined,
        done: new Promise<void>(() => undefined),
        stop: async () => undefined,
        abandon: async () => undefined,
        dropTasks: async () => undefined,
        addTasks: async (_model, names) => void added.push(...names),
      };
      return running;
    },
  });
  t.after(() => container.stop());
  await eventually('container 0 runs model 1', 10_000, () => (container.modelVersion === 1 ? true : undefined));

  // 2: container 0 gains 'Partition 2' (held by the other), and must wait for its claim ...
  version = await models.write(model(job, 2, [0, 1, 2], []), version, election.token());
  await eventually('container 0 waits for the claim of Partition 2', 10_000, () => (started.length === 1 ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  // ... 3 takes it back before the claim is granted; then its holder lets it go.
  await models.write(model(job, 3, [0, 1], [2]), version, election.token());
  await holder.release(['Partition 2']);

  await eventually('container 0 runs model 3', 15_000, () => (container.modelVersion === 3 ? true : undefined));
  // Per-task hand-over: the tasks it kept ran on from model 1, and the task model 3 took back was never started.
  assert.deepEqual(started, [{ version: 1, tasks: ['Partition 0', 'Partition 1'] }], 'container 0 started once, with the tasks it keeps');
  assert.deepEqual(added, [], 'it never took Partition 2 on');
  // The new owner of 'Partition 2' gets its claim: container 0 released it.
  await holder.awaitReleased(['Partition 2'], { timeoutMs: 10_000, modelVersion: 3 });
});
