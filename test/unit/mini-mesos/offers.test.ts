import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Offer } from '../../../shared/mesos/index.js';
import { executorInfo, frameworkInfo, launch, nextOffer, startCluster, taskInfo } from './helpers/cluster.js';
import { TestScheduler } from './helpers/scheduler-client.js';

/** Collects offers for `ms` and returns the hostnames they came from. */
async function offeredHosts(scheduler: TestScheduler, ms: number): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return scheduler.drain('OFFERS').flatMap((event) => (event.offers?.offers ?? []).map((offer) => offer.hostname));
}

test('each agent offers its resources from its own loopback hostname', async (t) => {
  const mesos = await startCluster(t, { agents: 3, resources: { cpus: 2, mem: 2048 } });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offers = (await scheduler.next('OFFERS')).offers?.offers ?? [];
  const masterId = mesos.state().master.id;
  assert.deepEqual(offers.map((offer) => offer.hostname).sort(), ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  assert.deepEqual(
    offers.map((offer) => offer.agent_id.value).sort(),
    [0, 1, 2].map((n) => `${masterId}-S${n}`),
  );
  for (const offer of offers) assert.match(offer.id.value, new RegExp(`^${masterId}-O\\d+$`));
  const first = offers[0] as Offer;
  // Without RESERVATION_REFINEMENT the master downgrades resources to the pre-refinement format.
  assert.deepEqual(
    first.resources?.map((r) => [r.name, r.scalar?.value ?? r.ranges?.range, r.role, r.allocation_info?.role]),
    [
      ['cpus', 2, '*', '*'],
      ['mem', 2048, '*', '*'],
      ['disk', 10240, '*', '*'],
      ['ports', [{ begin: 31000, end: 32000 }], '*', '*'],
    ],
  );
  assert.deepEqual(
    mesos.agents.map((agent) => agent.hostname),
    ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
  );
});

test('a RESERVATION_REFINEMENT framework gets resources without the legacy role field', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo({ capabilities: [{ type: 'RESERVATION_REFINEMENT' }] }));
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  assert.ok(offer.resources?.every((resource) => resource.role === undefined && resource.allocation_info?.role === '*'));
});

test('DECLINE with refuse_seconds filters an agent until REVIVE clears the filter', async (t) => {
  const mesos = await startCluster(t, { agents: 2 });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offers = (await scheduler.next('OFFERS')).offers?.offers ?? [];
  const refused = offers.find((offer) => offer.hostname === '127.0.0.2') as Offer;
  const other = offers.find((offer) => offer.hostname === '127.0.0.3') as Offer;
  assert.equal(await scheduler.call({ type: 'DECLINE', decline: { offer_ids: [refused.id], filters: { refuse_seconds: 60 } } }), 202);
  assert.equal(await scheduler.call({ type: 'DECLINE', decline: { offer_ids: [other.id], filters: { refuse_seconds: 0 } } }), 202);
  const hosts = await offeredHosts(scheduler, 500);
  assert.ok(hosts.includes('127.0.0.3'), 'the agent declined without a filter is offered again');
  assert.ok(!hosts.includes('127.0.0.2'), 'the filtered agent is not offered while the filter lasts');

  assert.equal(await scheduler.call({ type: 'REVIVE', revive: {} }), 202);
  await nextOffer(scheduler, (offer) => offer.hostname === '127.0.0.2');
});

test('DECLINE without filters refuses for Mesos’s default 5 s', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  await scheduler.call({ type: 'DECLINE', decline: { offer_ids: [offer.id] } });
  assert.deepEqual(await offeredHosts(scheduler, 400), []);
});

test('SUPPRESS stops offers, REVIVE resumes them', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  await scheduler.call({ type: 'SUPPRESS', suppress: {} });
  await scheduler.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } } });
  assert.deepEqual(await offeredHosts(scheduler, 400), []);
  assert.deepEqual(mesos.state().frameworks[0]?.suppressedRoles, ['*']);
  await scheduler.call({ type: 'REVIVE', revive: {} });
  await nextOffer(scheduler);
});

test('two frameworks share the agents: the one holding less is offered first', async (t) => {
  const mesos = await startCluster(t, { agents: 2 });
  const first = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo({ name: 'first' }));
  t.after(() => first.close());
  // Both agents went to `first`, the only framework; it keeps one offer and, once `second` is
  // there, gives the other back without a filter: `second` holds less, so it is offered first.
  const [held, ...rest] = (await first.next('OFFERS')).offers?.offers ?? [];
  assert.ok(held !== undefined);
  const second = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo({ name: 'second' }));
  t.after(() => second.close());
  for (const offer of rest) await first.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } } });
  const got = await nextOffer(second);
  assert.notEqual(got.agent_id.value, held.agent_id.value, 'an outstanding offer is never offered twice');
  assert.deepEqual(await offeredHosts(first, 300), [], 'the framework holding an offer waits');
});

test('ACCEPT of an offer that is no longer valid drops its tasks with REASON_INVALID_OFFERS and no uuid', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  await scheduler.call({ type: 'DECLINE', decline: { offer_ids: [offer.id] } });
  await launch(scheduler, offer, [taskInfo('late', offer, executorInfo('e1'))]);
  const status = await scheduler.update('late', 'TASK_LOST');
  assert.equal(status.reason, 'REASON_INVALID_OFFERS');
  assert.equal(status.source, 'SOURCE_MASTER');
  assert.equal(status.uuid, undefined);
  assert.match(status.message ?? '', /Offer .* is no longer valid/);
});
