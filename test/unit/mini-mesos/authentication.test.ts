import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonCodec, readRecordIo, type ExecutorCall, type SchedulerEvent } from '../../../shared/mesos/index.js';
import { setLogLevel } from '../../../shared/log.js';
import { MiniMesos, type MiniMesosOptions } from '../../../dev/mini-mesos/index.js';
import { executorInfo, expectUpdate, frameworkInfo, launch, nextOffer, runningReport, startCluster, taskInfo } from './helpers/cluster.js';
import { TestScheduler } from './helpers/scheduler-client.js';

setLogLevel('warn');

const SECRET = 'correct-horse-battery';
const FRAMEWORK_AUTH: Partial<MiniMesosOptions> = {
  credentials: [
    { principal: 'sluice', secret: SECRET },
    { principal: 'intruder', secret: 'intruder-secret' },
  ],
  authenticateHttpFrameworks: true,
  acls: {
    permissive: false,
    register_frameworks: [{ principals: { values: ['sluice'] }, roles: { values: ['sluice'] } }],
  },
};

function basic(principal: string, secret: string): string {
  return `Basic ${Buffer.from(`${principal}:${secret}`).toString('base64')}`;
}

/** A raw SUBSCRIBE: status, challenge, and the events of the stream when it is one. */
async function subscribe(
  masterUrl: string,
  info = frameworkInfo({ roles: ['sluice'], capabilities: [{ type: 'MULTI_ROLE' }] }),
  authorization?: string,
): Promise<{ status: number; challenge: string | null; text: string; events: SchedulerEvent[] }> {
  const response = await fetch(`${masterUrl}/api/v1/scheduler`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(authorization === undefined ? {} : { Authorization: authorization }) },
    body: jsonCodec.schedulerCall.encode({ type: 'SUBSCRIBE', subscribe: { framework_info: info } }),
  });
  const challenge = response.headers.get('WWW-Authenticate');
  if (response.status !== 200 || response.body === null)
    return { status: response.status, challenge, text: await response.text(), events: [] };
  // Only a refused subscription ends by itself: read it to its end.
  const events: SchedulerEvent[] = [];
  for await (const record of readRecordIo(response.body as AsyncIterable<Uint8Array>)) events.push(jsonCodec.schedulerEvent.decode(record));
  return { status: response.status, challenge, text: '', events };
}

test('framework authentication: 401 with the Basic challenge without valid credentials, 400 for another principal, ERROR for a role the ACLs refuse', async (t) => {
  const mesos = await startCluster(t, FRAMEWORK_AUTH);
  const challenge = 'Basic realm="mesos-master-scheduler"';
  for (const authorization of [
    undefined,
    basic('sluice', 'wrong'),
    basic('nobody', SECRET),
    'Bearer abc',
    'Basic !!!',
    basic('sluice', `${SECRET}:x`),
  ]) {
    const answer = await subscribe(mesos.masterUrl, undefined, authorization);
    assert.deepEqual(
      { status: answer.status, challenge: answer.challenge, text: answer.text },
      { status: 401, challenge, text: '' },
      String(authorization),
    );
  }
  // Authentication comes before the handler (libprocess): even a GET is 401, not 405.
  const get = await fetch(`${mesos.masterUrl}/api/v1/scheduler`);
  assert.equal(get.status, 401);

  const mismatch = await subscribe(mesos.masterUrl, frameworkInfo({ principal: 'intruder' }), basic('sluice', SECRET));
  assert.equal(mismatch.status, 400);
  assert.match(mismatch.text, /Authenticated principal 'sluice' does not match principal 'intruder' set in `FrameworkInfo`/);

  const notAllowed = await subscribe(mesos.masterUrl, undefined, basic('intruder', 'intruder-secret'));
  assert.equal(notAllowed.status, 200);
  assert.deepEqual(
    notAllowed.events.map((event) => [event.type, event.error?.message]),
    [['ERROR', 'Not authorized to register framework  with roles { sluice }']],
  );
  const otherRole = await subscribe(
    mesos.masterUrl,
    frameworkInfo({ roles: ['ops'], capabilities: [{ type: 'MULTI_ROLE' }] }),
    basic('sluice', SECRET),
  );
  assert.equal(otherRole.events[0]?.error?.message, 'Not authorized to register framework  with roles { ops }');
  assert.equal(mesos.state().frameworks.length, 0, 'no refused framework was registered');
});

test('framework authentication: an allowed principal subscribes, and every later call needs its credentials too', async (t) => {
  const mesos = await startCluster(t, FRAMEWORK_AUTH);
  const good = { Authorization: basic('sluice', SECRET) };
  // No FrameworkInfo.principal: the master fills in the authenticated one.
  const info = frameworkInfo({ roles: ['sluice'], capabilities: [{ type: 'MULTI_ROLE' }] });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, info, 'json', good);
  t.after(() => scheduler.close());
  assert.equal(scheduler.history[0]?.type, 'SUBSCRIBED');
  await nextOffer(scheduler);

  const revive = async (headers: Record<string, string>): Promise<{ status: number; text: string }> => {
    const response = await fetch(`${mesos.masterUrl}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': scheduler.streamId, ...headers },
      body: jsonCodec.schedulerCall.encode({ type: 'REVIVE', framework_id: { value: scheduler.frameworkId }, revive: {} }),
    });
    return { status: response.status, text: await response.text() };
  };
  assert.equal((await revive({})).status, 401);
  assert.equal((await revive({ Authorization: basic('sluice', 'wrong') })).status, 401);
  assert.deepEqual(await revive({ Authorization: basic('intruder', 'intruder-secret') }), {
    status: 400,
    text: "Authenticated principal 'intruder' does not match principal 'sluice' set in `FrameworkInfo`",
  });
  assert.deepEqual(await revive(good), { status: 202, text: '' });

  const state = await fetch(`${mesos.masterUrl}/state`).then((response) => response.text());
  assert.ok(!state.includes(SECRET), 'the secret is not in /state');
});

test('without authenticateHttpFrameworks the credentials are not asked for; ACLs still apply to FrameworkInfo.principal', async (t) => {
  const mesos = await startCluster(t, { ...FRAMEWORK_AUTH, authenticateHttpFrameworks: false });
  const open = await TestScheduler.subscribe(
    mesos.masterUrl,
    frameworkInfo({ principal: 'sluice', roles: ['sluice'], capabilities: [{ type: 'MULTI_ROLE' }] }),
  );
  t.after(() => open.close());
  assert.equal(open.history[0]?.type, 'SUBSCRIBED');
  const anonymous = await subscribe(mesos.masterUrl);
  assert.match(anonymous.events[0]?.error?.message ?? '', /^Not authorized to register framework/);
});

test('options: authentication needs credentials; credentials and ACLs are checked, naming the key', async () => {
  const workDir = '/nonexistent-mini-mesos';
  const refused = (options: Partial<MiniMesosOptions>, pattern: RegExp) =>
    assert.rejects(MiniMesos.start({ workDir, agents: 0, ...options }), pattern);
  await refused({ authenticateHttpFrameworks: true }, /authenticateHttpFrameworks needs credentials/);
  await refused({ credentials: [{ principal: 'a:b', secret: 's' }] }, /credentials\[0\]\.principal must be a non-empty string without ':'/);
  await refused({ credentials: [{ principal: 'a', secret: '' }] }, /credentials\[0\]\.secret \(of principal 'a'\)/);
  await refused(
    { acls: { register_frameworks: [{ principals: { type: 'SOME' }, roles: { type: 'ANY' } }] } as never },
    /acls\.register_frameworks\[0\]\.principals must be/,
  );
  await refused({ acls: { run_tasks: [] } as never }, /acls\.run_tasks: the mini Mesos enforces only 'register_frameworks'/);
});

test('executor authentication: each executor gets its own JWT; calls need it (401), another executor’s is refused (403)', async (t) => {
  const mesos = await startCluster(t, { authenticateHttpExecutors: true });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  await launch(scheduler, offer, [taskInfo('task-a', offer, executorInfo('a')), taskInfo('task-b', offer, executorInfo('b'))]);
  // The test executors send their tokens: they subscribe and run.
  const token = async (task: string): Promise<string> => {
    await expectUpdate(scheduler, task, 'TASK_STARTING');
    const report = runningReport(await expectUpdate(scheduler, task, 'TASK_RUNNING'));
    return report.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN ?? assert.fail(`${task} got no token`);
  };
  const tokenA = await token('task-a');
  const tokenB = await token('task-b');
  assert.notEqual(tokenA, tokenB);
  const executorA = mesos.state().executors.find((executor) => executor.executorId === 'a');
  const [header, payload] = tokenA
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown);
  assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
  assert.deepEqual(payload, { fid: scheduler.frameworkId, eid: 'a', cid: executorA?.containerId });

  const agent = mesos.agents[0] ?? assert.fail('no agent');
  const asA = async (authorization: string | undefined, type: 'MESSAGE' | 'HEARTBEAT' = 'MESSAGE') => {
    const call: ExecutorCall = {
      type,
      executor_id: { value: 'a' },
      framework_id: { value: scheduler.frameworkId },
      ...(type === 'MESSAGE' ? { message: { data: Buffer.from('hi') } } : {}),
    };
    const response = await fetch(`http://${agent.endpoint}/api/v1/executor`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(authorization === undefined ? {} : { Authorization: authorization }) },
      body: jsonCodec.executorCall.encode(call),
    });
    return { status: response.status, challenge: response.headers.get('WWW-Authenticate'), text: await response.text() };
  };
  const realm = 'Bearer realm="mesos-agent-executor"';
  assert.deepEqual(await asA(undefined), { status: 401, challenge: realm, text: '' });
  assert.equal((await asA(undefined, 'HEARTBEAT')).status, 401, 'even HEARTBEAT is authenticated first');
  assert.equal((await asA(`Basic ${tokenA}`)).challenge, `${realm}, error="invalid_token", error_description="Scheme 'Basic' unsupported"`);
  assert.match((await asA('Bearer not-a-jwt')).challenge ?? '', /error_description="Invalid JWT: Expected 3 components in token, got 1"/);
  // Claims changed to executor b's, signature kept: the signature no longer matches.
  const [jwtHeader, , signature] = tokenA.split('.');
  const forged = `${jwtHeader}.${Buffer.from(JSON.stringify({ ...(payload as object), eid: 'b' })).toString('base64url')}.${signature}`;
  assert.match((await asA(`Bearer ${forged}`)).challenge ?? '', /Invalid JWT: Token signature does not match/);

  const other = await asA(`Bearer ${tokenB}`);
  assert.equal(other.status, 403);
  assert.match(other.text, /does not contain an 'eid' claim with the executor ID a, which is set in the call/);
  assert.deepEqual(await asA(`Bearer ${tokenA}`), { status: 202, challenge: null, text: '' });
  const echo = await scheduler.next('MESSAGE');
  assert.equal(Buffer.from(echo.message?.data ?? []).toString(), 'hi');

  const state = await fetch(`${mesos.masterUrl}/state`).then((response) => response.text());
  const snapshot = JSON.stringify(mesos.state());
  for (const secret of [tokenA, tokenB, signature ?? '']) {
    assert.ok(!state.includes(secret), 'no token in /state');
    assert.ok(!snapshot.includes(secret), 'no token in state()');
  }
});
