import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonCodec, readRecordIo, type ExecutorCall, type TaskStatus } from '../../../shared/mesos/index.js';
import { newUuidBytes } from '../../../dev/mini-mesos/ids.js';
import { executorInfo, frameworkInfo, launch, nextOffer, startCluster, taskInfo, waitFor } from './helpers/cluster.js';
import { TestScheduler } from './helpers/scheduler-client.js';

test('the agent’s executor API answers like slave/http.cpp, on both paths', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  // An executor that never subscribes stays REGISTERING: calls other than SUBSCRIBE get 403.
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('silent', { command: { value: 'exec sleep 30' } }))]);
  await waitFor('the executor to start', () => mesos.state().executors[0]?.pid !== undefined);

  const agent = mesos.agents[0];
  assert.ok(agent !== undefined);
  const ids = { executor_id: { value: 'silent' }, framework_id: { value: scheduler.frameworkId } };
  const status = (overrides: Partial<TaskStatus> = {}): TaskStatus => ({
    task_id: { value: 'task-1' },
    state: 'TASK_RUNNING',
    source: 'SOURCE_EXECUTOR',
    uuid: newUuidBytes(),
    ...overrides,
  });
  const post = async (
    call: ExecutorCall,
    path = '/api/v1/executor',
    headers: Record<string, string> = { 'Content-Type': 'application/json' },
  ) => {
    const response = await fetch(`http://${agent.endpoint}${path}`, { method: 'POST', headers, body: jsonCodec.executorCall.encode(call) });
    return { status: response.status, text: await response.text() };
  };

  assert.equal((await fetch(`http://${agent.endpoint}/api/v1/executor`)).status, 405);
  assert.equal((await post({ ...ids, type: 'HEARTBEAT' }, '/api/v1/executor', {})).status, 400, 'no Content-Type');
  assert.equal((await post({ ...ids, type: 'HEARTBEAT' }, '/api/v1/executor', { 'Content-Type': 'text/xml' })).status, 415);
  assert.equal((await post({ ...ids, type: 'HEARTBEAT' })).status, 202);
  assert.equal(
    (
      await post({ ...ids, type: 'SUBSCRIBE', subscribe: {} }, '/api/v1/executor', {
        'Content-Type': 'application/json',
        Accept: 'text/html',
      })
    ).status,
    406,
  );
  assert.deepEqual(await post({ ...ids, framework_id: { value: 'nope' }, type: 'MESSAGE', message: { data: Buffer.from('x') } }), {
    status: 400,
    text: 'Framework cannot be found',
  });
  assert.deepEqual(await post({ ...ids, executor_id: { value: 'nope' }, type: 'MESSAGE', message: { data: Buffer.from('x') } }), {
    status: 400,
    text: 'Executor cannot be found',
  });
  assert.deepEqual(await post({ ...ids, type: 'UPDATE', update: { status: status() } }, '/slave(1)/api/v1/executor'), {
    status: 403,
    text: 'Executor is not subscribed',
  });

  const invalid = async (bad: TaskStatus, pattern: RegExp): Promise<void> => {
    const answer = await post({ ...ids, type: 'UPDATE', update: { status: bad } });
    assert.equal(answer.status, 400, answer.text);
    assert.match(answer.text, pattern);
  };
  await invalid(status({ uuid: undefined }), /Expecting 'uuid' to be present/);
  await invalid(status({ uuid: Buffer.alloc(16) }), /Not a valid UUID/);
  await invalid(status({ source: 'SOURCE_AGENT' }), /invalid source, expecting 'SOURCE_EXECUTOR'/);
  await invalid(status({ state: 'TASK_STAGING' }), /Received TASK_STAGING from executor silent/);
  await invalid(status({ executor_id: { value: 'other' } }), /does not match ExecutorID in TaskStatus: other/);
});

test('SUBSCRIBE: SUBSCRIBED, the queued LAUNCH, heartbeats; UPDATE is ACKNOWLEDGED at once; a new SUBSCRIBE replaces the old stream', async (t) => {
  const mesos = await startCluster(t, { executorHeartbeatIntervalMs: 100 });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  // `sleep` never subscribes by itself: the test speaks for it.
  await launch(scheduler, offer, [taskInfo('task-1', offer, executorInfo('puppet', { command: { value: 'exec sleep 30' } }))]);
  await waitFor('the executor to start', () => mesos.state().executors[0]?.pid !== undefined);
  const agent = mesos.agents[0];
  assert.ok(agent !== undefined);
  const url = `http://${agent.endpoint}/api/v1/executor`;
  const ids = { executor_id: { value: 'puppet' }, framework_id: { value: scheduler.frameworkId } };
  const subscribe = async () => {
    const abort = new AbortController();
    t.after(() => abort.abort());
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: jsonCodec.executorCall.encode({ ...ids, type: 'SUBSCRIBE', subscribe: {} }),
      signal: abort.signal,
    });
    assert.equal(response.status, 200);
    return readRecordIo(response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  };
  const next = async (records: AsyncIterator<Buffer>) => {
    const record = await records.next();
    return record.done === true ? undefined : jsonCodec.executorEvent.decode(record.value);
  };

  const first = await subscribe();
  const subscribed = (await next(first))?.subscribed;
  assert.equal(subscribed?.executor_info.executor_id.value, 'puppet');
  assert.equal(subscribed?.executor_info.framework_id?.value, scheduler.frameworkId);
  assert.equal(subscribed?.framework_info.id?.value, scheduler.frameworkId);
  assert.equal(subscribed?.agent_info.hostname, '127.0.0.2');
  assert.equal(subscribed?.container_id?.value, mesos.state().executors[0]?.containerId);
  assert.equal((await next(first))?.launch?.task.task_id.value, 'task-1');
  assert.equal((await next(first))?.type, 'HEARTBEAT');

  const uuid = newUuidBytes();
  const status: TaskStatus = { task_id: { value: 'task-1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid };
  const update = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: jsonCodec.executorCall.encode({ ...ids, type: 'UPDATE', update: { status } }),
  });
  assert.equal(update.status, 202);
  let event = await next(first);
  while (event?.type === 'HEARTBEAT') event = await next(first);
  assert.deepEqual(
    [event?.type, event?.acknowledged?.task_id.value, Buffer.compare(Buffer.from(event?.acknowledged?.uuid ?? []), uuid)],
    ['ACKNOWLEDGED', 'task-1', 0],
  );
  const forwarded = await scheduler.update('task-1', 'TASK_RUNNING');
  assert.deepEqual([forwarded.agent_id?.value, forwarded.executor_id?.value], [agent.id, 'puppet'], 'the agent fills in its own ids');

  const second = await subscribe();
  assert.equal((await next(second))?.type, 'SUBSCRIBED');
  let old = await next(first);
  while (old?.type === 'HEARTBEAT') old = await next(first);
  assert.equal(old, undefined, 'the older connection is closed');
});
