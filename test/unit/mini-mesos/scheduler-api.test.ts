import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonCodec, protobufCodec, type SchedulerCall } from '../../../shared/mesos/index.js';
import { frameworkInfo, startCluster, waitFor } from './helpers/cluster.js';
import { TestScheduler } from './helpers/scheduler-client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function post(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${url}/api/v1/scheduler`, { method: 'POST', body, headers });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

const json = (call: SchedulerCall): string => Buffer.from(jsonCodec.schedulerCall.encode(call)).toString('utf8');
const JSON_HEADERS = { 'Content-Type': 'application/json' };

test('SUBSCRIBE streams SUBSCRIBED, an immediate HEARTBEAT, then heartbeats at the configured interval', async (t) => {
  const mesos = await startCluster(t, { heartbeatIntervalMs: 200 });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  assert.match(scheduler.streamId, UUID);
  const subscribed = scheduler.history[0]?.subscribed;
  const masterId = mesos.state().master.id;
  assert.equal(subscribed?.framework_id.value, `${masterId}-0000`);
  assert.equal(subscribed?.heartbeat_interval_seconds, 0.2);
  assert.equal(subscribed?.master_info?.address?.ip, '127.0.0.1');
  await scheduler.next('HEARTBEAT');
  assert.equal(scheduler.history[1]?.type, 'HEARTBEAT', 'the first HEARTBEAT follows SUBSCRIBED at once');
  const started = Date.now();
  await scheduler.next('HEARTBEAT');
  await scheduler.next('HEARTBEAT');
  assert.ok(Date.now() - started < 2000, 'three more heartbeats within 2 s at a 200 ms interval');
});

test('the protobuf wire format works end to end (SUBSCRIBE, offers, a call)', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo(), 'protobuf');
  t.after(() => scheduler.close());
  const offers = await scheduler.next('OFFERS');
  const offer = offers.offers?.offers?.[0];
  assert.ok(offer !== undefined);
  assert.equal(await scheduler.call({ type: 'DECLINE', decline: { offer_ids: [offer.id] } }), 202);
});

test('status codes follow master/http.cpp', async (t) => {
  const mesos = await startCluster(t);
  const url = mesos.masterUrl;
  const subscribeCall = json({ type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo() } });

  const get = await fetch(`${url}/api/v1/scheduler`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('Allow'), 'POST');
  // A Buffer body, because fetch gives a string body a text/plain Content-Type of its own.
  assert.equal((await post(url, Buffer.from(subscribeCall), {})).status, 400, 'no Content-Type');
  assert.equal((await post(url, subscribeCall, { 'Content-Type': 'text/plain' })).status, 415);
  assert.equal((await post(url, '{"type":', JSON_HEADERS)).status, 400, 'a body that is not JSON');
  assert.equal(
    (await post(url, protobufCodec.schedulerCall.encode({ type: 'TEARDOWN' }), { 'Content-Type': 'application/x-protobuf' })).status,
    400,
    'no framework_id',
  );
  assert.equal((await post(url, subscribeCall, { ...JSON_HEADERS, Accept: 'text/html' })).status, 406);
  assert.equal((await post(url, subscribeCall, { ...JSON_HEADERS, 'Mesos-Stream-Id': 'x' })).status, 400);
  const mismatch = await post(
    url,
    json({ type: 'SUBSCRIBE', framework_id: { value: 'a' }, subscribe: { framework_info: frameworkInfo() } }),
    JSON_HEADERS,
  );
  assert.equal(mismatch.status, 400);
  assert.match(mismatch.text, /'framework_id' differs from 'subscribe.framework_info.id'/);
  const unknown = await post(url, json({ type: 'REVIVE', framework_id: { value: 'nope' } }), JSON_HEADERS);
  assert.deepEqual([unknown.status, unknown.text], [400, 'Framework cannot be found']);

  const scheduler = await TestScheduler.subscribe(url, frameworkInfo({ failover_timeout: 60 }));
  const revive = json({ type: 'REVIVE', framework_id: { value: scheduler.frameworkId } });
  const noStream = await post(url, revive, JSON_HEADERS);
  assert.equal(noStream.status, 400);
  assert.match(noStream.text, /should include the 'Mesos-Stream-Id' header/);
  assert.equal((await post(url, revive, { ...JSON_HEADERS, 'Mesos-Stream-Id': 'wrong' })).status, 400);
  assert.equal((await post(url, revive, { ...JSON_HEADERS, 'Mesos-Stream-Id': scheduler.streamId })).status, 202);
  assert.equal(
    await scheduler.call({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: Buffer.alloc(16) },
    }),
    400,
    'not a valid UUID',
  );
  assert.equal(await scheduler.call({ type: 'UNKNOWN' }), 501);

  scheduler.close();
  await scheduler.ended;
  await waitFor(
    'the framework to show as disconnected',
    () => mesos.state().frameworks.find((f) => f.id === scheduler.frameworkId)?.connected === false,
  );
  const forbidden = await post(url, revive, { ...JSON_HEADERS, 'Mesos-Stream-Id': scheduler.streamId });
  assert.deepEqual([forbidden.status, forbidden.text], [403, 'Framework is not subscribed']);
});

test('an invalid FrameworkInfo gets an ERROR event and the stream closes', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo({ role: 'a', capabilities: [{ type: 'MULTI_ROLE' }] }));
  assert.equal(scheduler.history[0]?.type, 'ERROR');
  assert.match(scheduler.history[0]?.error?.message ?? '', /'FrameworkInfo.role' must not be set/);
  await scheduler.ended;
});

test('/state describes master, agents and frameworks with Mesos field names', async (t) => {
  const mesos = await startCluster(t, { agents: 2 });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo({ name: 'stateful' }));
  t.after(() => scheduler.close());
  const state = (await (await fetch(`${mesos.masterUrl}/state`)).json()) as {
    slaves: Array<{ hostname: string; resources: Record<string, unknown> }>;
    frameworks: Array<{ id: string; name: string; connected: boolean }>;
  };
  assert.deepEqual(
    state.slaves.map((slave) => slave.hostname),
    ['127.0.0.2', '127.0.0.3'],
  );
  assert.deepEqual(state.slaves[0]?.resources, { cpus: 1, mem: 1024, disk: 10240, ports: '[31000-32000]' });
  assert.deepEqual(
    state.frameworks.map((f) => [f.id, f.name, f.connected]),
    [[scheduler.frameworkId, 'stateful', true]],
  );
});
