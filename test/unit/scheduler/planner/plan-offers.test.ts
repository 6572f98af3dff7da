import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonCodec, protobufCodec, type OfferOperation, type Resource, type SchedulerCall } from '../../../../shared/mesos/index.js';
import { planOffers } from '../../../../scheduler/planner/index.js';
import { agentResources, jobModel, ledger, NOW, offer, ports, PRINCIPAL, reservedFor, ROLE, scalar, snapshot } from './fixtures.js';
import { applyAccept } from './mesos-oracle.js';

const types = (operations: readonly OfferOperation[]): string[] => operations.map((o) => o.type ?? 'UNKNOWN');
const labelsOf = (resource: Resource): Record<string, string | undefined> =>
  Object.fromEntries((resource.reservations?.[0]?.labels?.labels ?? []).map((l) => [l.key, l.value]));

test('a first launch with volumes is RESERVE, CREATE, LAUNCH on the same labelled resources', () => {
  const plan = planOffers(snapshot());
  assert.equal(plan.accepts.length, 1);
  const accept = plan.accepts[0];
  assert.deepEqual(types(accept?.operations ?? []), ['RESERVE', 'CREATE', 'LAUNCH']);
  const [reserve, create, launch] = accept?.operations ?? [];
  const reservedResources = reserve?.reserve?.resources ?? [];
  assert.deepEqual(
    reservedResources.map((r) => [r.name, r.scalar?.value, labelsOf(r)]),
    [
      ['cpus', 1, { sluice_job: 'wordcount', sluice_container: '0', resource_id: 'u2' }],
      ['mem', 1024, { sluice_job: 'wordcount', sluice_container: '0', resource_id: 'u3' }],
      ['disk', 1024, { sluice_job: 'wordcount', sluice_container: '0', resource_id: 'u5' }],
    ],
  );
  assert.ok(reservedResources.every((r) => r.reservations?.[0]?.role === ROLE && r.reservations[0].principal === PRINCIPAL));
  const volume = create?.create?.volumes?.[0];
  assert.deepEqual(volume?.disk, { persistence: { id: 'u6', principal: PRINCIPAL }, volume: { container_path: 'state', mode: 'RW' } });
  const task = launch?.launch?.task_infos?.[0];
  assert.equal(task?.task_id.value, 'wordcount.0.u1');
  assert.ok(task?.resources?.some((r) => r.disk?.persistence?.id === 'u6'));
  assert.deepEqual(
    plan.placements.map((p) => [p.container, p.kind, p.reservation]),
    [['0', 'new-reservation', { agentId: 'S1', hostname: 'host-1', resourceIds: ['u2', 'u3', 'u5'], persistenceId: 'u6' }]],
  );
  // The mini Mesos master accepts every operation, in order, on this offer.
  assert.deepEqual(applyAccept(offer(1), accept?.operations ?? []).errors, []);
});

test('a restart on the same agent launches on its reservation and volume: no RESERVE, no CREATE', () => {
  const offered = offer(1, [...agentResources(), ...reservedFor('0')]);
  const plan = planOffers(
    snapshot({ offers: [offered], reservations: new Map([['0', ledger('0', 1)]]), lastHosts: new Map([['0', 'host-1']]) }),
  );
  const accept = plan.accepts[0];
  assert.deepEqual(types(accept?.operations ?? []), ['LAUNCH']);
  const task = accept?.operations[0]?.launch?.task_infos?.[0];
  assert.deepEqual(task?.resources, [...reservedFor('0'), ports([31000, 31000])]);
  assert.deepEqual(
    plan.placements.map((p) => [p.kind, p.reservation]),
    [['reused-reservation', ledger('0', 1)]],
  );
  assert.deepEqual(applyAccept(offered, accept?.operations ?? []).errors, []);
});

test('with host-dir storage a plain LAUNCH on unreserved resources', () => {
  const plan = planOffers(
    snapshot({ storage: { kind: 'host-dir', path: '/var/lib/sluice' }, resources: { cpus: 0.5, memMb: 512, diskMb: 64, ports: 2 } }),
  );
  const operations = plan.accepts[0]?.operations ?? [];
  assert.deepEqual(types(operations), ['LAUNCH']);
  assert.deepEqual(operations[0]?.launch?.task_infos?.[0]?.resources, [
    scalar('cpus', 0.5),
    scalar('mem', 512),
    scalar('disk', 64),
    ports([31000, 31001]),
  ]);
  assert.deepEqual(
    plan.placements.map((p) => [p.kind, p.reservation]),
    [['unreserved', undefined]],
  );
});

test('one offer hosts several containers without sharing a port or a core', () => {
  const plan = planOffers(snapshot({ jobModel: jobModel(['0', '1', '2']), storage: { kind: 'host-dir', path: '/srv' } }));
  const accept = plan.accepts[0];
  assert.deepEqual(accept?.containers, ['0', '1', '2']);
  const result = applyAccept(offer(1), accept?.operations ?? []);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(
    plan.placements.map((p) => p.task.resources?.find((r) => r.name === 'ports')?.ranges?.range),
    [[{ begin: 31000, end: 31000 }], [{ begin: 31001, end: 31001 }], [{ begin: 31002, end: 31002 }]],
  );
});

test("spread: new containers go to the agents running the fewest of the job's containers", () => {
  const storage = { kind: 'host-dir', path: '/srv' } as const;
  const plan = planOffers(snapshot({ jobModel: jobModel(['0', '1', '2']), storage, offers: [offer(1), offer(2)] }));
  assert.deepEqual(
    plan.accepts.map((accept) => [accept.hostname, accept.containers]),
    [
      ['host-1', ['0', '2']],
      ['host-2', ['1']],
    ],
  );
  // Container 1 already runs on host-1: container 0 goes to host-2, then 2 to the first of two equals.
  const running = new Map([['1', { kind: 'running', agentId: 'S1' } as const]]);
  const more = planOffers(snapshot({ jobModel: jobModel(['0', '1', '2']), storage, containers: running, offers: [offer(1), offer(2)] }));
  assert.deepEqual(
    more.accepts.map((accept) => [accept.hostname, accept.containers]),
    [
      ['host-1', ['2']],
      ['host-2', ['0']],
    ],
  );
  // Never a reason to wait: with one offer at hand, it hosts them all.
  assert.deepEqual(planOffers(snapshot({ jobModel: jobModel(['0', '1']), storage, offers: [offer(1)] })).accepts[0]?.containers, [
    '0',
    '1',
  ]);
});

test('nothing waits: decline with the long filter and suppress', () => {
  const running = new Map([['0', { kind: 'running', agentId: 'S9' } as const]]);
  const plan = planOffers(snapshot({ containers: running }));
  assert.deepEqual(plan.declines, [
    { offerId: 'O1', agentId: 'S1', hostname: 'host-1', filters: { refuse_seconds: 120 }, reason: 'nothing waits for an offer' },
  ]);
  assert.deepEqual([plan.accepts, plan.waiting, plan.offerStream], [[], [], 'suppress']);
  assert.equal(planOffers(snapshot({ containers: running, offersSuppressed: true })).offerStream, 'none');
});

test('something waits that did not fit: decline with the short filter, and revive if suppressed', () => {
  const small = offer(1, agentResources(0.5));
  const plan = planOffers(snapshot({ offers: [small], offersSuppressed: true }));
  assert.deepEqual(
    plan.declines.map((d) => [d.filters, d.reason]),
    [[{ refuse_seconds: 5 }, 'no waiting container can use it now (waiting: 0)']],
  );
  assert.deepEqual([plan.waiting, plan.offerStream], [['0'], 'revive']);
  assert.equal(planOffers(snapshot({ offers: [small] })).offerStream, 'none');
  assert.equal(planOffers(snapshot({ offers: [] })).offerStream, 'none');
});

test('everything placed: the unused offers are declined for long and offers suppressed', () => {
  const plan = planOffers(snapshot({ offers: [offer(1), offer(2)] }));
  assert.deepEqual(
    plan.accepts.map((a) => [a.offerId, a.filters]),
    [['O1', { refuse_seconds: 120 }]],
  );
  assert.deepEqual(
    plan.declines.map((d) => [d.offerId, d.reason]),
    [['O2', 'every waiting container was placed on other offers']],
  );
  assert.equal(plan.offerStream, 'suppress');
});

test('locality: another host is refused during the wait and taken after it', () => {
  const since = (ms: number) => new Map([['0', { kind: 'pending', since: NOW - ms } as const]]);
  const base = { offers: [offer(2)], lastHosts: new Map([['0', 'host-1']]) };
  const early = planOffers(snapshot({ ...base, containers: since(10_000) }));
  assert.deepEqual([early.placements, early.waiting, early.declines[0]?.filters], [[], ['0'], { refuse_seconds: 5 }]);
  const reason = early.evaluations[0]?.outcomes.find((o) => o.stage === 'locality')?.reason;
  assert.equal(reason, "waiting 20 s more for 'host-1', where its state is; offer is from 'host-2'");
  const late = planOffers(snapshot({ ...base, containers: since(30_000) }));
  assert.deepEqual(
    late.placements.map((p) => p.hostname),
    ['host-2'],
  );
});

test('locality: the previous host wins over an earlier offer, and its reservation over both', () => {
  const lastHosts = new Map([['0', 'host-2']]);
  assert.deepEqual(
    planOffers(snapshot({ offers: [offer(1), offer(2)], lastHosts })).placements.map((p) => p.offerId),
    ['O2'],
  );
  const reservations = new Map([['0', ledger('0', 3)]]);
  const offers = [offer(1), offer(2), offer(3, [...agentResources(), ...reservedFor('0')])];
  const plan = planOffers(snapshot({ offers, lastHosts, reservations }));
  assert.deepEqual(
    plan.placements.map((p) => [p.offerId, p.kind]),
    [['O3', 'reused-reservation']],
  );
});

test('backoff: a failed container is relaunched only after its delay', () => {
  const failed = (ago: number) => new Map([['0', { kind: 'failed', attempts: 3, lastFailureAt: NOW - ago } as const]]);
  const early = planOffers(snapshot({ containers: failed(1_000) }));
  assert.deepEqual(early.waiting, ['0']);
  assert.equal(early.evaluations[0]?.outcomes.find((o) => o.stage === 'backoff')?.reason, '3 consecutive failures; backing off 3 s more');
  assert.deepEqual(
    planOffers(snapshot({ containers: failed(4_000) })).placements.map((p) => p.container),
    ['0'],
  );
});

test('launching, running and killing containers are not placed again', () => {
  const containers = new Map([
    ['0', { kind: 'launching', agentId: 'S1' } as const],
    ['1', { kind: 'running', agentId: 'S1' } as const],
    ['2', { kind: 'killing' } as const],
  ]);
  const plan = planOffers(snapshot({ jobModel: jobModel(['0', '1', '2']), containers }));
  assert.deepEqual([plan.placements, plan.waiting], [[], []]);
});

test('orphans: reservations of removed containers are released in the same ACCEPT as launches', () => {
  const offered = offer(1, [...agentResources(), ...reservedFor('7')]);
  const plan = planOffers(snapshot({ offers: [offered] }));
  assert.deepEqual(types(plan.accepts[0]?.operations ?? []), ['DESTROY', 'UNRESERVE', 'RESERVE', 'CREATE', 'LAUNCH']);
  assert.deepEqual(applyAccept(offered, plan.accepts[0]?.operations ?? []).errors, []);
  // With nothing to launch, an offer holding only orphans is still accepted for the cleanup.
  const idle = planOffers(snapshot({ offers: [offered], containers: new Map([['0', { kind: 'running', agentId: 'S2' }]]) }));
  assert.deepEqual(types(idle.accepts[0]?.operations ?? []), ['DESTROY', 'UNRESERVE']);
  assert.deepEqual(idle.declines, []);
});

test('an offer in the pre-refinement format yields operations in the post-refinement format', () => {
  const legacy = offer(
    1,
    agentResources().map((r) => ({ ...r, role: '*' })),
  );
  const plan = planOffers(snapshot({ offers: [legacy] }));
  const all = (plan.accepts[0]?.operations ?? []).flatMap((o) => [
    ...(o.reserve?.resources ?? []),
    ...(o.create?.volumes ?? []),
    ...(o.launch?.task_infos?.[0]?.resources ?? []),
  ]);
  assert.ok(all.length > 0 && all.every((r) => r.role === undefined && r.reservation === undefined));
  assert.deepEqual(applyAccept(legacy, plan.accepts[0]?.operations ?? []).errors, []);
});

test('every reason is reported: a container failing several stages shows each', () => {
  const plan = planOffers(
    snapshot({
      offers: [offer(2, agentResources(0.5))],
      lastHosts: new Map([['0', 'host-1']]),
      containers: new Map([['0', { kind: 'failed', attempts: 1, lastFailureAt: NOW }]]),
    }),
  );
  const outcomes = plan.evaluations[0]?.outcomes ?? [];
  assert.deepEqual(
    outcomes.map((o) => [o.stage, o.ok]),
    [
      ['orphans', true],
      ['role', true],
      ['backoff', false],
      ['locality', false],
      ['reservation', true],
      ['resources', false],
      ['accounting', false],
      ['launch', false],
    ],
  );
  assert.equal(outcomes.at(-1)?.reason, 'not launched here: backoff, locality, resources, accounting failed');
  assert.ok(outcomes.slice(1).every((o) => o.container === '0'));
});

test('an ACCEPT built from the plan survives the Mesos wire codecs unchanged', () => {
  const offered = offer(1, [...agentResources(), ...reservedFor('7')]);
  const plan = planOffers(snapshot({ jobModel: jobModel(['0', '1']), offers: [offered], reservations: new Map([['1', ledger('1', 1)]]) }));
  const accept = plan.accepts[0];
  assert.ok(accept);
  const call: SchedulerCall = {
    framework_id: { value: 'master-0000' },
    type: 'ACCEPT',
    accept: { offer_ids: [{ value: accept.offerId }], operations: [...accept.operations], filters: accept.filters },
  };
  // Bytes compare by content: the codecs decode them as Buffers.
  const plain = (value: unknown): unknown => {
    if (value instanceof Uint8Array) return [...value];
    if (Array.isArray(value)) return value.map(plain);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    return value;
  };
  for (const codec of [protobufCodec, jsonCodec])
    assert.deepEqual(plain(codec.schedulerCall.decode(codec.schedulerCall.encode(call))), plain(call));
});
