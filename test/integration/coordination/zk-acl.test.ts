/**
 * ZooKeeper ACLs of a job with digest credentials, on the real ZooKeeper: the job's own sessions
 * elect, write the job model and claim tasks; a client without credentials and one with a wrong
 * password can neither read nor change any of it; and a job root that is not the job's own stops
 * a scheduler or a container at start.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import type { RunningContainer } from '../../../executor/container/container.js';
import { CoordinatedContainer } from '../../../executor/runners/coordinated-container.js';
import { ignoreNoNode } from '../../../shared/coordination/errors.js';
import { HandOverBarrier } from '../../../shared/coordination/hand-over-barrier.js';
import { ensureJobRoot, guardJobRoot } from '../../../shared/coordination/job-root.js';
import { JobModelStore } from '../../../shared/coordination/job-model-store.js';
import { jobModelPath, jobRoot, leaderDir, taskClaimPath, taskClaimsDir } from '../../../shared/coordination/layout.js';
import { LeaderElection } from '../../../shared/coordination/leader-election.js';
import { ownerAcl, sameAcl, type DigestAuth } from '../../../shared/coordination/zk-acl.js';
import type { ZkClient } from '../../../shared/coordination/zk-client.js';
import type { ZkSession } from '../../../shared/coordination/zk-session.js';
import { createLogger, setLogLevel } from '../../../shared/log.js';
import type { JobModel } from '../../../shared/model/job-model.js';
import { uniqueName, zkConnect } from '../../infra/services.js';
import { SchedulerService } from '../../../scheduler/scheduler-service.js';
import { frameworkOptions } from '../../unit/scheduler/http/helpers/word-count-on-mini-mesos.js';
import { wordCountJob, type WordCountJob } from '../container/harness.js';
import { eventually, openSession, removeTree } from './helpers.js';

setLogLevel('error');

const TASK = 'Partition 0';

function model(job: string): JobModel {
  const task = { name: TASK, ssps: [{ system: 'kafka', topic: 'in', partition: 0 }], changelogPartition: 0 };
  return { job, version: 1, containers: [{ id: '0', tasks: [task] }] };
}

/** Clean-ups run last-in first-out after the test (node:test runs its `after` hooks in the order they were added). */
function cleanUps(t: TestContext): (step: () => unknown) => void {
  const steps: (() => unknown)[] = [];
  t.after(async () => {
    for (const step of steps.reverse()) await step();
  });
  return (step) => steps.push(step);
}

async function session(undo: (step: () => unknown) => void, auth?: DigestAuth): Promise<ZkSession> {
  const opened = await openSession(auth === undefined ? {} : { auth });
  undo(() => opened.close());
  return opened;
}

/** Every path of the tree under `path`, parents first (as the owner sees it). */
async function tree(client: ZkClient, path: string): Promise<string[]> {
  const below = await Promise.all((await client.getChildren(path)).map((child) => tree(client, `${path}/${child}`)));
  return [path, ...below.flat()];
}

/** A job run by its own identity: an elected leader that wrote the model, and a container holding its task's claim. */
async function securedJob(t: TestContext) {
  const undo = cleanUps(t);
  const job = uniqueName('acl');
  const auth = { user: uniqueName('job'), password: uniqueName('password') };
  const leader = await session(undo, auth);
  undo(() => removeTree(leader.client, jobRoot(job)));
  await ensureJobRoot(leader.client, job, auth);
  const election = new LeaderElection(leader, { job, candidate: 'scheduler' });
  const elected = once(election, 'elected');
  election.start();
  undo(() => election.stop());
  await elected;
  await new JobModelStore(leader, job).write(model(job), null, election.token());
  const container = await session(undo, auth);
  const barrier = new HandOverBarrier(container, { job, containerId: '0' }).start();
  undo(() => barrier.stop());
  await barrier.awaitReleased([TASK], { timeoutMs: 10_000 });
  return { job, auth, leader, election, container, barrier, undo };
}

test('a job with credentials elects, writes its model and claims tasks, and every node under its root is its own', async (t) => {
  const { job, auth, leader, election, container, barrier } = await securedJob(t);
  assert.equal(election.isLeader(), true);
  assert.equal(barrier.holds(TASK), true);
  assert.deepEqual((await new JobModelStore(container, job).read())?.model.containers[0]?.tasks[0]?.name, TASK);
  const paths = await tree(leader.client, jobRoot(job));
  for (const path of [jobModelPath(job), taskClaimPath(job, TASK), election.token().node]) assert.ok(paths.includes(path), path);
  for (const path of paths) assert.ok(sameAcl(await leader.client.getAcl(path), ownerAcl(auth)), `${path}: the job's identity alone`);
});

test('a client without credentials and one with a wrong password can neither read nor change the model, the claims or the election', async (t) => {
  const { job, auth, leader, election, undo } = await securedJob(t);
  const candidate = election.token().node;
  const targets = [jobModelPath(job), taskClaimPath(job, TASK), candidate];
  const before = await Promise.all(targets.map((path) => leader.client.get(path)));
  const clients = { anonymous: await session(undo), 'wrong password': await session(undo, { user: auth.user, password: 'wrong' }) };
  for (const [who, other] of Object.entries(clients)) {
    const client = other.client;
    const refused = async (call: Promise<unknown>, what: string) =>
      assert.rejects(call, { code: 'ZK_NO_AUTH' }, `${who}: ${what} is refused with NO_AUTH`);
    for (const path of targets) {
      await refused(client.get(path), `getData ${path}`);
      await refused(client.setData(path, Buffer.from('{}'), -1), `setData ${path}`);
      await refused(client.remove(path, -1), `delete ${path}`);
    }
    for (const dir of [jobRoot(job), leaderDir(job), taskClaimsDir(job)]) {
      await refused(client.getChildren(dir), `getChildren ${dir}`);
      await refused(client.create(`${dir}/intruder`, Buffer.from('x')), `create under ${dir}`);
    }
    await refused(client.create(`${leaderDir(job)}/n_${client.sessionId}_`, Buffer.alloc(0), 'ephemeral-sequential'), 'a candidacy');
  }
  // The refusals say whose credentials were refused, and never show a password.
  const anonymous = await clients.anonymous.client.get(jobModelPath(job)).catch((error: Error) => error.message);
  assert.match(String(anonymous), /this session has no credentials \(zookeeper\.auth is not set/);
  const wrong = await clients['wrong password'].client.get(jobModelPath(job)).catch((error: Error) => error.message);
  assert.match(String(wrong), new RegExp(`digest user '${auth.user}'`));
  assert.doesNotMatch(String(wrong), new RegExp(auth.password));
  // Nothing changed, and the job still leads and holds its claim.
  assert.deepEqual(await Promise.all(targets.map((path) => leader.client.get(path))), before);
  assert.equal(election.isLeader(), true);
});

test('at start, a job root open to all or owned by another identity is refused, naming the path and both ACLs', async (t) => {
  const undo = cleanUps(t);
  const auth = { user: uniqueName('job'), password: uniqueName('password') };
  const owner = await session(undo, auth);

  // Created before the job had credentials: open to all.
  const openJob = uniqueName('acl-open');
  const anonymous = await session(undo);
  await anonymous.client.mkdirp(jobRoot(openJob));
  undo(() => removeTree(anonymous.client, jobRoot(openJob)));
  await assert.rejects(guardJobRoot(owner, openJob, auth), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ZK_WRONG_ACL');
    assert.ok(error.message.includes(`ZooKeeper node ${jobRoot(openJob)}, the root of job '${openJob}', has ACL [world:anyone=cdrwa]`));
    assert.ok(error.message.includes(`expected [digest:${auth.user} (this job's password)=cdrwa] and nothing for anyone else`));
    assert.ok(error.message.includes(`setAcl -R ${jobRoot(openJob)} auth::cdrwa`));
    return true;
  });

  // Created by another identity (or with another password): not even its ACL is readable.
  const otherJob = uniqueName('acl-other');
  const other = await session(undo, { user: auth.user, password: 'another' });
  await other.client.mkdirp(jobRoot(otherJob));
  undo(() => removeTree(other.client, jobRoot(otherJob)));
  await assert.rejects(guardJobRoot(owner, otherJob, auth), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ZK_WRONG_ACL');
    assert.match(error.message, new RegExp(`has an ACL that digest user '${auth.user}' may not even read`));
    assert.doesNotMatch(error.message, new RegExp(auth.password));
    return true;
  });

  // Without credentials there is no check (the nodes are open, as before).
  await guardJobRoot(anonymous, openJob, undefined);

  // A container with credentials does not start on the open root, and leaves nothing behind there.
  const starts: number[] = [];
  const running: RunningContainer = {
    tasks: [],
    followStandbys: () => undefined,
    done: new Promise<void>(() => undefined),
    stop: async () => undefined,
    abandon: async () => undefined,
    dropTasks: async () => undefined,
    addTasks: async () => undefined,
  };
  await assert.rejects(
    CoordinatedContainer.start({
      job: openJob,
      containerId: '0',
      zookeeper: zkConnect(),
      zookeeperAuth: auth,
      logger: createLogger({ job: openJob, container: '0' }),
      start: async (jobModel) => {
        starts.push(jobModel.version);
        return running;
      },
    }),
    { code: 'ZK_WRONG_ACL' },
  );
  assert.deepEqual(starts, []);
  assert.deepEqual(await anonymous.client.getChildren(jobRoot(openJob)), [], 'the refused container created no node');
});

test('a scheduler with credentials joins the election as the job identity; on a root that is not its own it does not', async (t) => {
  const undo = cleanUps(t);
  const auth = { user: uniqueName('job'), password: uniqueName('password') };
  const scheduler = async (job: WordCountJob) => {
    // No Mesos master answers there: an elected scheduler's framework fails to start and retries much later.
    const framework = await frameworkOptions(job, 'http://127.0.0.1:9');
    const service = new SchedulerService({ framework, zookeeper: zkConnect(), zookeeperAuth: auth, retryMs: 600_000 }).start();
    undo(() => service.stop());
    return service;
  };
  const owner = await session(undo, auth);

  const job = await wordCountJob(1);
  undo(() => removeTree(owner.client, jobRoot(job.name)));
  const service = await scheduler(job);
  await service.started();
  const candidates = await eventually('the scheduler is a candidate', 10_000, async () => {
    const children = (await ignoreNoNode(owner.client.getChildren(leaderDir(job.name)))) ?? [];
    return children.length === 1 ? children : undefined;
  });
  for (const path of [jobRoot(job.name), leaderDir(job.name), `${leaderDir(job.name)}/${candidates[0]}`]) {
    assert.ok(sameAcl(await owner.client.getAcl(path), ownerAcl(auth)), `${path}: the job's identity alone`);
  }

  const openJob = await wordCountJob(1);
  const anonymous = await session(undo);
  await anonymous.client.mkdirp(jobRoot(openJob.name));
  undo(() => removeTree(anonymous.client, jobRoot(openJob.name)));
  const refused = await scheduler(openJob);
  await assert.rejects(refused.started(), { code: 'ZK_WRONG_ACL' });
  assert.equal(refused.session.state, 'closed');
  assert.deepEqual(await anonymous.client.getChildren(jobRoot(openJob.name)), [], 'no candidate on the open root');
});
