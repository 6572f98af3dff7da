/**
 * Leader election with candidates in separate processes against the real ZooKeeper: a killed
 * leader is replaced by exactly one candidate soon after the server expires its session; a paused leader
 * whose session expired stops acting the moment it runs again, while another leads, and its
 * writes are fenced.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaderDir, sortCandidates } from '../../../shared/coordination/layout.js';
import { LeaderElection } from '../../../shared/coordination/leader-election.js';
import { uniqueName, zkConnect } from '../../infra/services.js';
import { CandidateProcess } from './candidate-process.js';
import { eventually, openSession, removeTree, SESSION_TIMEOUT_MS, ZK_TICK_MS } from './helpers.js';

/** Starts candidates one after the other (so the queue order is theirs) and waits until all joined. */
async function startCandidates(job: string, names: string[]): Promise<CandidateProcess[]> {
  const observer = await openSession();
  try {
    const candidates: CandidateProcess[] = [];
    for (const name of names) {
      candidates.push(new CandidateProcess(name, { connect: zkConnect(), job, sessionTimeoutMs: SESSION_TIMEOUT_MS }));
      await eventually(`${name} joined`, 20_000, async () => {
        const children = (await observer.client.getChildren(leaderDir(job)).catch(() => [])) ?? [];
        return sortCandidates(children).length === candidates.length ? true : undefined;
      });
    }
    return candidates;
  } finally {
    await observer.close();
  }
}

function leadersAfter(candidates: CandidateProcess[], since: number): CandidateProcess[] {
  return candidates.filter((c) => c.events('elected', since).length > 0);
}

test('election: three candidate processes; SIGKILL the leader → exactly one new leader soon after the server expires its session', async (t) => {
  const job = uniqueName('election-kill');
  const candidates = await startCandidates(job, ['a', 'b', 'c']);
  const observer = await openSession();
  t.after(async () => {
    await Promise.all(candidates.map((c) => c.stop()));
    await removeTree(observer.client, `/sluice/${job}`);
    await observer.close();
  });
  const [a, b, c] = candidates as [CandidateProcess, CandidateProcess, CandidateProcess];
  const aElected = await a.next('elected', 10_000);
  await eventually('one acting leader', 5_000, () => (a.events('acting').length > 0 ? true : undefined));
  assert.deepEqual(leadersAfter(candidates, 0), [a], 'only the first candidate was elected');
  const negotiated = Number((await a.next('session', 1_000)).timeoutMs);
  assert.equal(negotiated, SESSION_TIMEOUT_MS);

  // An observer times the server's expiry of a's session: the deletion of a's election node.
  let deletedAt: number | undefined;
  const exists = await observer.client.exists(String(aElected.node), (event) => {
    if (event.type === 'deleted') deletedAt = Date.now();
  });
  assert.ok(exists !== null, `a's election node ${String(aElected.node)}`);

  const killedAt = Date.now();
  a.signal('SIGKILL');
  // The server expires a session at the first tick after its timeout from the last contact (at most at the kill).
  const expiryBound = negotiated + ZK_TICK_MS;
  const gone = await eventually("a's election node deleted", expiryBound + 10_000, () => deletedAt);
  const elected = await b.next('elected', 10_000, killedAt);
  t.diagnostic(
    `after SIGKILL: a's session expired (its node deleted) after ${gone - killedAt} ms, b elected ${elected.at - gone} ms later (negotiated session timeout ${negotiated} ms, tick ${ZK_TICK_MS} ms)`,
  );
  // 2 s for a loaded server and observer.
  assert.ok(gone - killedAt <= expiryBound + 2_000, `a's election node deleted ${gone - killedAt} ms after the kill`);
  assert.ok(elected.at - gone <= 3_000, `b elected ${elected.at - gone} ms after a's election node was deleted`);

  // Exactly one: c waits on b (its predecessor), not on a, and is not woken. Checked once b has led
  // for ten of its 'acting' ticks (100 ms apart) and c has answered a command sent after that, so
  // that everything c reported until then is in.
  await eventually('b acting 10 times', 20_000, () => (b.events('acting', elected.at).length >= 10 ? true : undefined));
  c.send('write');
  const answer = await c.next('write', 10_000, killedAt);
  assert.deepEqual([answer.ok, answer.code], [false, 'NEVER_ELECTED'], 'c was never elected');
  assert.deepEqual(leadersAfter([b, c], killedAt), [b]);
  assert.equal(c.events('acting').length, 0);
  assert.equal(b.events('deposed').length, 0);
});

test('election: a leader paused (SIGSTOP) past its session timeout is deposed the moment it runs, while another leads; its write is fenced', async (t) => {
  const job = uniqueName('election-pause');
  const candidates = await startCandidates(job, ['a', 'b']);
  t.after(async () => {
    await Promise.all(candidates.map((c) => c.stop()));
    const session = await openSession();
    await removeTree(session.client, `/sluice/${job}`);
    await session.close();
  });
  const [a, b] = candidates as [CandidateProcess, CandidateProcess];
  await a.next('elected', 10_000);
  a.send('write');
  assert.equal((await a.next('write', 10_000)).ok, true, 'the leader writes the first model');

  const stoppedAt = Date.now();
  a.signal('SIGSTOP');
  const elected = await b.next('elected', SESSION_TIMEOUT_MS + 10_000, stoppedAt);
  t.diagnostic(`while a was stopped, b was elected after ${elected.at - stoppedAt} ms`);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, stoppedAt + SESSION_TIMEOUT_MS + 2_500 - Date.now())));

  const resumedAt = Date.now();
  a.signal('SIGCONT');
  const deposed = await a.next('deposed', 10_000, resumedAt);
  t.diagnostic(
    `a resumed after ${resumedAt - stoppedAt} ms and reported deposed ${deposed.at - resumedAt} ms later: ${String(deposed.reason)}`,
  );
  // Soon (a resumed process on a busy CPU may wait for it); that a never acted meanwhile is checked below.
  assert.ok(deposed.at - resumedAt < 3_000, `deposed ${deposed.at - resumedAt} ms after it was resumed`);
  assert.ok(elected.at < resumedAt, 'someone else led while a was stopped');

  // a never acts again as leader, and comes back as a candidate with a new session. Checked once a
  // has answered a command sent after its new session opened: its 'acting' tick (100 ms) ran long
  // before that (the reopen alone waits a 100 ms backoff), and all a reported until then is in.
  await a.next('session', 10_000, resumedAt);
  a.send('write');
  const rejected = await a.next('write', 10_000, resumedAt);
  assert.deepEqual([rejected.ok, rejected.code], [false, 'ZK_FENCED']);
  assert.deepEqual(a.events('acting', resumedAt), [], 'a acted after it was resumed');
  assert.deepEqual(a.events('elected', resumedAt), []);

  b.send('write');
  const accepted = await b.next('write', 10_000);
  assert.equal(accepted.ok, true);
  assert.equal(accepted.version, 2, 'the new leader continues from the model a wrote');
});

test('election: every candidate can name the leader and the API it advertised; after the leader leaves, the next one', async (t) => {
  const job = uniqueName('advertise');
  const sessions = await Promise.all([openSession(), openSession()]);
  const elections = sessions.map(
    (session, i) => new LeaderElection(session, { job, candidate: `c${i}`, api: `http://127.0.0.${i + 2}:8080` }),
  );
  t.after(async () => {
    for (const election of elections) await election.stop();
    await removeTree(sessions[0]!.client, `/sluice/${job}`);
    await Promise.all(sessions.map((session) => session.close()));
  });
  elections[0]!.start();
  await eventually('c0 leads', 10_000, async () => (elections[0]!.isLeader() ? true : undefined));
  elections[1]!.start();
  await eventually('c1 joined', 10_000, async () =>
    (await sessions[1]!.client.getChildren(leaderDir(job))).length === 2 ? true : undefined,
  );
  for (const election of elections) assert.deepEqual(await election.leader(), { candidate: 'c0', api: 'http://127.0.0.2:8080' });

  await elections[0]!.stop();
  await eventually('c1 leads', 10_000, async () => (elections[1]!.isLeader() ? true : undefined));
  assert.deepEqual(await elections[1]!.leader(), { candidate: 'c1', api: 'http://127.0.0.3:8080' });
});
