/**
 * Containers following the job model while ZooKeeper is unreachable (issue #5). Container '0'
 * reaches ZooKeeper through a ZkProxy that can cut it off (a network partition); container '1' and
 * the model publisher talk to ZooKeeper directly, so they show what a partition of one container
 * does to the rest of the job. Kafka stays reachable throughout.
 *
 *   shorter than the session timeout: the session survives, processing never stops, nothing is done twice;
 *   longer: the lease lapses, container '0' abandons its tasks WITHOUT a commit before the server
 *   could expire its session, claims them again on a new session once ZooKeeper is back, and
 *   resumes from its last checkpoint (duplicates, but no skipped or doubled update).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import { ContainerRegistry } from '../../../shared/coordination/container-registry.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import type { JobModel } from '../../../shared/model/job-model.js';
import { kafkaBrokers, zkConnect } from '../../infra/services.js';
import { LEASE_SHARE, ZkProxy } from '../coordination/helpers.js';
import {
  containerLog,
  killContainers,
  produceWords,
  startContainer,
  waitForModel,
  waitForProgress,
  wordCountJob,
  type WordCountJob,
  stopAndCheckCounts,
} from './harness.js';
import { ModelPublisher } from './model-publisher.js';

setLogLevel('warn');

/** The containers' ZooKeeper session timeout: the ZkSession default, which CoordinatedContainer keeps. */
const SESSION_TIMEOUT_MS = 10_000;
/** A session's lease: from the send time of the last request ZooKeeper answered (ZkClient.leaseUntil). */
const LEASE_MS = SESSION_TIMEOUT_MS * LEASE_SHARE;
/** ZkSession renews the lease every quarter timeout. */
const HEARTBEAT_MS = SESSION_TIMEOUT_MS / 4;
const PARTITIONS = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LogLine {
  readonly message: string;
  readonly timestamp: string;
  readonly [field: string]: unknown;
}

/** The JSON lines of a container's log (other output, such as a stack trace, is skipped). */
async function logLines(job: WordCountJob, id: string): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for (const text of (await readFile(containerLog(job, id), 'utf8')).split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // a line cut short by a write in progress
    }
  }
  return lines;
}

const at = (line: LogLine): number => Date.parse(line.timestamp);

/** Sluice's own lines (kafkajs logs through the same logger), counted by message: a retry loop shows as a big count. */
function ownLines(lines: readonly LogLine[]): { total: number; byMessage: Record<string, number> } {
  const own = lines.filter((line) => line.component !== 'kafkajs');
  const byMessage: Record<string, number> = {};
  for (const line of own) byMessage[line.message] = (byMessage[line.message] ?? 0) + 1;
  return { total: own.length, byMessage };
}

const messages = (lines: readonly LogLine[], message: string) => lines.filter((line) => line.message === message);

/** Polls the container's log until `find` picks a line; bounded. */
async function waitForLine(
  job: WordCountJob,
  id: string,
  what: string,
  timeoutMs: number,
  find: (lines: LogLine[]) => LogLine | undefined,
): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = find(await logLines(job, id));
    if (line !== undefined) return line;
    if (Date.now() > deadline)
      throw new Error(`container ${id}: no '${what}' in its log within ${timeoutMs} ms (${containerLog(job, id)})`);
    await sleep(100);
  }
}

/**
 * Cuts container '0' off ZooKeeper now and restores it `ms` later by a timer armed at once, so what
 * the test does meanwhile cannot lengthen the outage. `endedAt` is set before the proxy lets
 * connections through again.
 */
function cutOff(
  t: TestContext,
  proxy: ZkProxy,
  ms: number,
): { blockedAt: number; endedAt: () => number | undefined; ended: Promise<number> } {
  const blockedAt = Date.now();
  proxy.block();
  let endedAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      endedAt = Date.now();
      proxy.unblock();
      resolve(endedAt);
    }, ms);
  });
  t.after(() => clearTimeout(timer));
  return { blockedAt, endedAt: () => endedAt, ended };
}

/** When (ms since the epoch) the last request ZooKeeper answered was sent, as a 'ZooKeeper session expired' line for a lapsed lease says. */
function lastAnsweredAt(expired: LogLine): number {
  const ago = /last answered (\d+) ms ago/.exec(String(expired.reason))?.[1];
  assert.ok(ago !== undefined, `the expiry names when ZooKeeper last answered: ${JSON.stringify(expired)}`);
  return at(expired) - Number(ago);
}

/** The input partitions the model gives a container. */
function partitionsOf(model: JobModel, id: string): number[] {
  const tasks = model.containers.find((container) => container.id === id)?.tasks ?? [];
  return tasks.flatMap((task) => task.ssps.map((ssp) => ssp.partition)).sort((a, b) => a - b);
}

/** The group's committed offsets (checkpoints), summed over `partitions`. */
async function committed(admin: Admin, job: WordCountJob, partitions: readonly number[]): Promise<number> {
  const [topic] = await admin.fetchOffsets({ groupId: job.group, topics: [job.words] });
  return (topic?.partitions ?? [])
    .filter(({ partition }) => partitions.includes(partition))
    .reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
}

interface Setup {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly job: WordCountJob;
  readonly proxy: ZkProxy;
  readonly model: JobModel;
  /** '0' follows ZooKeeper through the proxy, '1' directly. */
  readonly children: Map<string, ChildProcess>;
}

/** A word count on 8 partitions, its job model for 2 containers, and both containers running it. */
async function setUp(t: TestContext, commitMs: number): Promise<Setup> {
  t.after(killContainers);
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'zookeeper-outage-test' });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const job = await wordCountJob(PARTITIONS, commitMs);
  await ensureTopic(admin, { topic: job.words, partitions: PARTITIONS, compacted: false, purpose: 'test input' });
  const publisher = await ModelPublisher.lead(job.configFile);
  t.after(() => publisher.close());
  const proxy = await ZkProxy.start();
  t.after(() => proxy.close());
  const model = await publisher.publish(2);
  const stateRoot = await mkdtemp(join(tmpdir(), 'sluice-zk-outage-'));
  const children = new Map([
    ['0', startContainer(job, '0', { zookeeper: proxy.connect, stateDir: join(stateRoot, '0') })],
    ['1', startContainer(job, '1', { zookeeper: zkConnect(), stateDir: join(stateRoot, '1') })],
  ]);
  await waitForModel(new ContainerRegistry(publisher.zkSession, job.name), ['0', '1'], model.version);
  assert.ok(partitionsOf(model, '0').length > 0 && partitionsOf(model, '1').length > 0, 'both containers have tasks');
  for (const id of ['0', '1']) {
    const [session] = messages(await logLines(job, id), 'ZooKeeper session connected');
    assert.equal(session?.sessionTimeoutMs, SESSION_TIMEOUT_MS, `container ${id}: negotiated ZooKeeper session timeout`);
  }
  return { kafka, admin, job, proxy, model, children };
}

/** Stops both containers cleanly once the checkpoints reached the end of the input, and returns the exact counts' check: duplicate emissions. */
async function finish({ kafka, admin, job, children }: Setup, counts: Map<string, number>): Promise<number> {
  const { duplicates, emitted } = await stopAndCheckCounts(kafka, admin, job, [...children.values()], counts, 60_000);
  assert.equal(emitted.size, counts.size, 'no word emitted that was never produced');
  return duplicates;
}

describe('containers following the job model while ZooKeeper is unreachable', { timeout: 180_000 }, () => {
  it('shorter than the session timeout: processing goes on, the session survives, nothing is done twice', async (t) => {
    const setup = await setUp(t, 300);
    const { admin, job, proxy, model } = setup;
    const cutOffPartitions = partitionsOf(model, '0');
    // About 10k words/s until the outage has been checked: there is input to process while cut off.
    let producing = true;
    t.after(() => (producing = false));
    const produced = produceWords(setup.kafka, job.words, 5_000_000, 11, 400, () => !producing);
    await waitForProgress(admin, job.group, job.words, 10_000);

    // The last answered heartbeat was sent at most a heartbeat interval before the cut, so the
    // lease lapses no sooner than LEASE_MS - HEARTBEAT_MS (6.5 s) after it. The outage ends 3 s
    // before that: room for a late heartbeat timer and the reconnect on a loaded machine.
    const outageMs = LEASE_MS - HEARTBEAT_MS - 3_000;
    const outage = cutOff(t, proxy, outageMs);
    const { blockedAt } = outage;
    // While cut off: the container keeps checkpointing. Only readings that came back before the
    // outage ended count; the first is taken after the cut.
    const before = await committed(admin, job, cutOffPartitions);
    let during = before;
    while (during <= before && outage.endedAt() === undefined) {
      await sleep(100);
      const reading = await committed(admin, job, cutOffPartitions);
      if (outage.endedAt() === undefined) during = reading;
    }
    assert.ok(
      during > before,
      `the cut-off container kept committing its partitions ${cutOffPartitions.join(',')} while cut off for ${outageMs} ms (${before} → ${during})`,
    );
    const endedAt = await outage.ended;

    const disconnected = await waitForLine(job, '0', 'ZooKeeper session disconnected', 10_000, (lines) =>
      messages(lines, 'ZooKeeper session disconnected').find((line) => at(line) >= blockedAt - 50),
    );
    const reconnected = await waitForLine(job, '0', 'ZooKeeper session connected', 10_000, (lines) =>
      messages(lines, 'ZooKeeper session connected').find((line) => at(line) >= blockedAt),
    );
    producing = false;
    const lines = await logLines(job, '0');
    const [first] = messages(lines, 'ZooKeeper session connected');
    assert.equal(reconnected.session, first?.session, 'the same session came back');
    assert.equal(reconnected.newSession, undefined);
    assert.ok(
      at(reconnected) >= endedAt,
      `disconnected at +${at(disconnected) - blockedAt} ms, reconnected at +${at(reconnected) - blockedAt} ms; ZooKeeper back at +${endedAt - blockedAt} ms`,
    );
    assert.deepEqual(messages(lines, 'ZooKeeper session expired'), [], 'the session did not expire');
    assert.equal(messages(lines, 'running on the new job model').length, 1, 'the tasks were never restarted');
    const linesDuring = ownLines(lines.filter((line) => at(line) >= blockedAt && at(line) < endedAt));
    assert.ok(
      linesDuring.total <= 5,
      `one log line per state change during the outage, not a retry loop: ${JSON.stringify(linesDuring.byMessage)}`,
    );

    const counts = await produced;
    const duplicates = await finish(setup, counts);
    assert.equal(duplicates, 0, 'nothing was processed twice');
    process.stdout.write(
      `# ZooKeeper cut off for ${endedAt - blockedAt} ms (disconnected ${String(reconnected.disconnectedMs)} ms): ${during - before} messages of the cut-off container checkpointed meanwhile; session kept; 0 duplicates\n`,
    );
  });

  it('longer than the session timeout: the claims end with the session, the tasks are abandoned without a commit, then claimed again on a new session', async (t) => {
    // Commits 2 s apart: the abandon most likely drops uncommitted work, which is then done again.
    const setup = await setUp(t, 2_000);
    const { admin, job, proxy, model } = setup;
    const cutOffPartitions = partitionsOf(model, '0');
    const direct = partitionsOf(model, '1');
    // About 10k words/s through the outage and the recovery, until both have been checked.
    let producing = true;
    t.after(() => (producing = false));
    const produced = produceWords(setup.kafka, job.words, 5_000_000, 12, 400, () => !producing);
    await waitForProgress(admin, job.group, job.words, 10_000);

    // Past the server's expiry of the session (the first 2 s tick after the timeout from its last contact).
    const outageMs = SESSION_TIMEOUT_MS + 4_000;
    const blockedAt = Date.now();
    proxy.block();
    // The lease (90% of the timeout from the send time of the last answered request, sent before the
    // cut) lapses before the server can expire the session and let another container claim the tasks.
    const abandon = await waitForLine(job, '0', 'abandoning the tasks', SESSION_TIMEOUT_MS + 5_000, (lines) =>
      lines.find((line) => line.message.startsWith('abandoning the tasks without a commit') && at(line) >= blockedAt),
    );
    const stoppedAfterMs = at(abandon) - blockedAt;
    const expiry = messages(await logLines(job, '0'), 'ZooKeeper session expired').find(
      (line) => at(line) >= blockedAt && at(line) <= at(abandon),
    );
    assert.ok(expiry !== undefined, 'the session was declared expired before the tasks were abandoned');
    const answeredAt = lastAnsweredAt(expiry);
    // The lapse is acted on at once: 2 s for a late timer in a container on a loaded machine.
    assert.ok(
      at(abandon) - answeredAt <= LEASE_MS + 2_000,
      `tasks abandoned ${at(abandon) - answeredAt} ms after the last request ZooKeeper answered was sent (lease ${LEASE_MS} ms; ${stoppedAfterMs} ms after the cut)`,
    );
    assert.deepEqual(
      [...(abandon.tasks as string[])].sort(),
      model.containers
        .find((c) => c.id === '0')
        ?.tasks.map((task) => task.name)
        .sort(),
    );
    await waitForLine(job, '0', 'container abandoned its tasks without committing', 10_000, (lines) =>
      messages(lines, 'container abandoned its tasks without committing').find((line) => at(line) >= at(abandon)),
    );

    // While cut off: nothing of the abandoned tasks is committed; the other container's tasks go on.
    // The cut lasts outageMs, at least 3 s from here, and until container 1 committed more (bounded).
    const abandonedBefore = await committed(admin, job, cutOffPartitions);
    const directBefore = await committed(admin, job, direct);
    const windowEnd = Math.max(Date.now() + 3_000, blockedAt + outageMs);
    let abandonedAfter = abandonedBefore;
    let directAfter = directBefore;
    while (Date.now() < windowEnd || (directAfter <= directBefore && Date.now() < windowEnd + 20_000)) {
      await sleep(250);
      [abandonedAfter, directAfter] = await Promise.all([committed(admin, job, cutOffPartitions), committed(admin, job, direct)]);
      assert.equal(abandonedAfter, abandonedBefore, 'no checkpoint of the abandoned tasks after they were abandoned');
    }
    const unblockedAt = Date.now();
    proxy.unblock();
    assert.ok(
      directAfter > directBefore,
      `container 1 kept committing its partitions ${direct.join(',')} (${directBefore} → ${directAfter})`,
    );

    // Back: a new session, the tasks claimed again, running on the model again.
    const resumed = await waitForLine(job, '0', 'running on the new job model', 60_000, (lines) =>
      messages(lines, 'running on the new job model').find((line) => at(line) > at(abandon)),
    );
    assert.equal(resumed.jobModelVersion, model.version);
    const lines = await logLines(job, '0');
    const sessions = messages(lines, 'ZooKeeper session connected').filter((line) => line.newSession === true);
    assert.equal(sessions.length, 2, `one session before the outage, one after: ${JSON.stringify(sessions)}`);
    assert.notEqual(sessions[0]?.session, sessions[1]?.session);
    assert.ok(at(sessions[1] as LogLine) >= unblockedAt - 50, 'the new session opened once ZooKeeper was reachable again');
    const expired = messages(lines, 'ZooKeeper session expired');
    assert.equal(expired.length, 1, `the session expired once: ${JSON.stringify(expired)}`);
    assert.match(String(expired[0]?.reason), /lease lapsed/);
    const linesDuring = ownLines(lines.filter((line) => at(line) >= blockedAt && at(line) < unblockedAt));
    assert.ok(
      linesDuring.total <= 20,
      `a bounded number of log lines while cut off, not a retry loop: ${JSON.stringify(linesDuring.byMessage)}`,
    );
    await waitForProgress(admin, job.group, job.words, 5_000);
    producing = false;

    // Container 1 never noticed: same session, same tasks, never restarted.
    const other = await logLines(job, '1');
    assert.deepEqual(messages(other, 'ZooKeeper session disconnected'), []);
    assert.equal(messages(other, 'ZooKeeper session connected').length, 1);
    assert.equal(messages(other, 'running on the new job model').length, 1);
    assert.equal(other.filter((line) => line.message.startsWith('abandoning')).length, 0);

    const counts = await produced;
    const duplicates = await finish(setup, counts);
    process.stdout.write(
      `# ZooKeeper cut off for ${unblockedAt - blockedAt} ms: tasks abandoned after ${stoppedAfterMs} ms (${at(abandon) - answeredAt} ms after the last answered request was sent), running again ${at(resumed) - unblockedAt} ms after ZooKeeper came back; ` +
        `container 1 checkpointed ${directAfter - directBefore} messages meanwhile; ${duplicates} duplicate emissions (work redone after the abandon)\n`,
    );
  });
});
