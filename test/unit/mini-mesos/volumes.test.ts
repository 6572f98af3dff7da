import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { test } from 'node:test';
import type { Offer, Resource, ResourceReservationInfo } from '../../../shared/mesos/index.js';
import { executorInfo, expectUpdate, frameworkInfo, nextOffer, runningReport, startCluster, taskInfo, waitFor } from './helpers/cluster.js';
import { TestScheduler } from './helpers/scheduler-client.js';

const ROLE = 'sluice';
const PRINCIPAL = 'sluice-principal';
const reservation: ResourceReservationInfo = {
  type: 'DYNAMIC',
  role: ROLE,
  principal: PRINCIPAL,
  labels: { labels: [{ key: 'resource_id', value: randomUUID() }] },
};
const reserved = (name: string, value: number): Resource => ({ name, type: 'SCALAR', scalar: { value }, reservations: [reservation] });

const isVolume = (resource: Resource): boolean => resource.disk?.persistence !== undefined;
const reservedOf = (offer: Offer, name: string): Resource | undefined =>
  offer.resources?.find((r) => r.name === name && !isVolume(r) && (r.reservations ?? []).length > 0);

test('RESERVE + CREATE + LAUNCH in one ACCEPT; the volume survives a relaunch and is offered again; DESTROY + UNRESERVE undo it', async (t) => {
  const mesos = await startCluster(t);
  const info = frameworkInfo({
    roles: [ROLE],
    principal: PRINCIPAL,
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
  });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, info);
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  assert.equal(offer.allocation_info?.role, ROLE);

  const volume: Resource = {
    ...reserved('disk', 100),
    disk: { persistence: { id: randomUUID(), principal: PRINCIPAL }, volume: { container_path: 'data', mode: 'RW' } },
  };
  const executor = executorInfo('exec-1');
  const first = taskInfo('task-1', offer, executor, { append: { file: 'data/log.txt', line: 'one' }, crashAfterMs: 100 }, [
    reserved('cpus', 0.3),
    reserved('mem', 128),
    volume,
  ]);
  await scheduler.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [
        { type: 'RESERVE', reserve: { resources: [reserved('cpus', 0.3), reserved('mem', 128), reserved('disk', 100)] } },
        { type: 'CREATE', create: { volumes: [volume] } },
        { type: 'LAUNCH', launch: { task_infos: [first] } },
      ],
      filters: { refuse_seconds: 0 },
    },
  });
  await expectUpdate(scheduler, 'task-1', 'TASK_STARTING');
  assert.equal(runningReport(await expectUpdate(scheduler, 'task-1', 'TASK_RUNNING')).file, 'one\n');
  const [stored] = mesos.state().volumes;
  assert.ok(stored !== undefined);
  assert.deepEqual([stored.role, stored.persistenceId, stored.containerPath], [ROLE, volume.disk?.persistence?.id, 'data']);
  assert.equal(fs.readFileSync(`${stored.path}/log.txt`, 'utf8'), 'one\n');
  assert.deepEqual(
    mesos
      .state()
      .reservations.map((r) => [r.resource.name, r.role, r.principal, r.labels])
      .sort(),
    [
      ['cpus', ROLE, PRINCIPAL, reservation.labels?.labels],
      ['mem', ROLE, PRINCIPAL, reservation.labels?.labels],
    ],
  );

  // The executor crashes; the next offer on that agent holds the volume and the reservations.
  await expectUpdate(scheduler, 'task-1', 'TASK_FAILED');
  const again = await nextOffer(scheduler, (o) => (o.resources ?? []).some(isVolume) && reservedOf(o, 'cpus')?.scalar?.value === 0.3);
  const offeredVolume = again.resources?.find(isVolume) as Resource;
  assert.deepEqual(offeredVolume.reservations, [reservation], 'offered with its labels');
  assert.equal(offeredVolume.allocation_info?.role, ROLE);
  const second = taskInfo('task-2', again, executor, { append: { file: 'data/log.txt', line: 'two' } }, [
    reservedOf(again, 'cpus') as Resource,
    reservedOf(again, 'mem') as Resource,
    offeredVolume,
  ]);
  await scheduler.call({
    type: 'ACCEPT',
    accept: { offer_ids: [again.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [second] } }], filters: { refuse_seconds: 0 } },
  });
  await expectUpdate(scheduler, 'task-2', 'TASK_STARTING');
  assert.equal(
    runningReport(await expectUpdate(scheduler, 'task-2', 'TASK_RUNNING')).file,
    'one\ntwo\n',
    'the volume kept the first run’s data',
  );

  // Teardown: kill, then DESTROY the volume and UNRESERVE everything.
  await scheduler.call({ type: 'KILL', kill: { task_id: { value: 'task-2' } } });
  await expectUpdate(scheduler, 'task-2', 'TASK_KILLED');
  const last = await nextOffer(scheduler, (o) => (o.resources ?? []).some(isVolume) && reservedOf(o, 'cpus')?.scalar?.value === 0.3);
  const held = (last.resources ?? []).filter((r) => (r.reservations ?? []).length > 0);
  const heldVolume = held.find(isVolume) as Resource;
  const { disk: _disk, ...plainDisk } = heldVolume;
  scheduler.drain('OFFERS'); // older offers (unreserved leftovers, still outstanding) do not matter here
  await scheduler.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [last.id],
      operations: [
        { type: 'DESTROY', destroy: { volumes: [heldVolume] } },
        { type: 'UNRESERVE', unreserve: { resources: [...held.filter((r) => !isVolume(r)), plainDisk] } },
      ],
      filters: { refuse_seconds: 0 },
    },
  });
  await waitFor('the reservations to go', () => mesos.state().reservations.length === 0 && mesos.state().volumes.length === 0);
  assert.ok(!fs.existsSync(stored.path), 'DESTROY deletes the volume directory');
  const clean = await nextOffer(scheduler, (o) => (o.resources ?? []).every((r) => (r.reservations ?? []).length === 0));
  assert.deepEqual(
    clean.resources?.map((r) => [r.name, r.scalar?.value]),
    [
      ['cpus', 0.3],
      ['mem', 128],
      ['disk', 100],
    ],
    'the freed resources come back unreserved',
  );
  assert.deepEqual(
    mesos
      .state()
      .agents[0]?.resources.map((r) => [r.name, r.scalar?.value, r.reservations])
      .slice(0, 3),
    [
      ['cpus', 1, undefined],
      ['mem', 1024, undefined],
      ['disk', 10240, undefined],
    ],
  );
});

test('frameworks without RESERVATION_REFINEMENT see reservations in the pre-refinement format', async (t) => {
  const mesos = await startCluster(t);
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo({ role: ROLE, principal: PRINCIPAL }));
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  const legacy: Resource = {
    name: 'cpus',
    type: 'SCALAR',
    scalar: { value: 0.5 },
    role: ROLE,
    reservation: { principal: PRINCIPAL, labels: reservation.labels },
  };
  await scheduler.call({
    type: 'ACCEPT',
    accept: { offer_ids: [offer.id], operations: [{ type: 'RESERVE', reserve: { resources: [legacy] } }], filters: { refuse_seconds: 0 } },
  });
  const next = await nextOffer(scheduler, (o) => (o.resources ?? []).some((r) => r.role === ROLE));
  const cpus = next.resources
    ?.filter((r) => r.name === 'cpus')
    .map((r) => [r.scalar?.value, r.role, r.reservation?.principal, r.reservations]);
  assert.deepEqual(cpus?.sort(), [
    [0.5, '*', undefined, undefined],
    [0.5, ROLE, PRINCIPAL, undefined],
  ]);
});
