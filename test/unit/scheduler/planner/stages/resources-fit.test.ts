import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../../../../shared/mesos/index.js';
import type { ResourceSource } from '../../../../../scheduler/planner/stages/reservation-match.js';
import { evaluateFit } from '../../../../../scheduler/planner/stages/resources-fit.js';
import { reservationLabels } from '../../../../../scheduler/planner/resource-format.js';
import { agentResources, containerOf, ledger, offer, planContextOf, ports, PRINCIPAL, reservedFor, ROLE, scalar } from '../fixtures.js';

const hostDir = planContextOf({
  storage: { kind: 'host-dir', path: '/var/lib/sluice' },
  resources: { cpus: 1, memMb: 1024, diskMb: 100, ports: 3 },
});
const unreserved: ResourceSource = { kind: 'unreserved' };
const fresh: ResourceSource = {
  kind: 'new-reservation',
  ids: { cpus: 'r-cpus', mem: 'r-mem', disk: 'r-disk', volume: 'r-volume', persistenceId: 'pv-1' },
  sizeMb: 1024,
  containerPath: 'state',
};

test('it takes pieces of the offer and the lowest ports inside the offered ranges', () => {
  const offered = [scalar('cpus', 4), scalar('mem', 4096), scalar('disk', 500), ports([31005, 31006], [31000, 31000], [31010, 31020])];
  const { outcome, claim } = evaluateFit(containerOf(), unreserved, offered, offer(1), hostDir);
  assert.equal(outcome.reason, 'takes cpus 1, mem 1024 MB, disk 100 MB, ports 31000,31005,31006');
  assert.deepEqual(claim?.taken, [scalar('cpus', 1), scalar('mem', 1024), scalar('disk', 100), ports([31000, 31000], [31005, 31006])]);
  assert.deepEqual(claim?.task, claim?.taken);
  assert.equal(claim?.reservation, undefined);
});

test('a misfit names every shortfall', () => {
  const offered = [scalar('cpus', 0.5), scalar('mem', 512), ports([31000, 31001])];
  const { outcome, claim } = evaluateFit(containerOf(), unreserved, offered, offer(1), hostDir);
  assert.deepEqual([outcome.ok, claim], [false, undefined]);
  assert.equal(outcome.reason, 'does not fit: 2 of 3 ports, cpus 0.5 of 1, mem 512 MB of 1024 MB, disk 0 MB of 100 MB');
});

test('static reservations for the role are used before unreserved resources', () => {
  const staticCpus = scalar('cpus', 0.5, [{ type: 'STATIC', role: ROLE }]);
  const { claim } = evaluateFit(
    containerOf(),
    unreserved,
    [scalar('cpus', 4), staticCpus, scalar('mem', 4096), scalar('disk', 500), ports([1, 9])],
    offer(1),
    hostDir,
  );
  assert.deepEqual(
    claim?.taken.filter((r) => r.name === 'cpus'),
    [staticCpus, scalar('cpus', 0.5)],
  );
});

test('a new reservation reserves unreserved pieces with labels, creates the volume, and launches on them', () => {
  const plan = planContextOf();
  const { outcome, claim } = evaluateFit(containerOf(), fresh, agentResources(), offer(1), plan);
  const labelled = (name: string, value: number, id: string): Resource =>
    scalar(name, value, [{ type: 'DYNAMIC', role: ROLE, principal: PRINCIPAL, labels: reservationLabels('wordcount', '0', id) }]);
  const volumeDisk = labelled('disk', 1024, 'r-volume');
  const volume = {
    ...volumeDisk,
    disk: { persistence: { id: 'pv-1', principal: PRINCIPAL }, volume: { container_path: 'state', mode: 'RW' as const } },
  };
  assert.deepEqual(outcome.operations, [
    { type: 'RESERVE', reserve: { resources: [labelled('cpus', 1, 'r-cpus'), labelled('mem', 1024, 'r-mem'), volumeDisk] } },
    { type: 'CREATE', create: { volumes: [volume] } },
  ]);
  assert.deepEqual(claim?.task, [labelled('cpus', 1, 'r-cpus'), labelled('mem', 1024, 'r-mem'), volume, ports([31000, 31000])]);
  assert.deepEqual(claim?.taken, [scalar('cpus', 1), scalar('mem', 1024), scalar('disk', 1024), ports([31000, 31000])]);
  assert.deepEqual(claim?.reservation, {
    agentId: 'S1',
    hostname: 'host-1',
    resourceIds: ['r-cpus', 'r-mem', 'r-volume'],
    persistenceId: 'pv-1',
  });
});

test('a new reservation never reserves resources that are already reserved', () => {
  const staticOnly = [
    scalar('cpus', 4, [{ type: 'STATIC', role: ROLE }]),
    scalar('mem', 4096),
    scalar('disk', 4096),
    ports([31000, 31000]),
  ];
  const { outcome } = evaluateFit(containerOf(), fresh, staticOnly, offer(1), planContextOf());
  assert.equal(outcome.reason, 'does not fit: cpus 0 of 1');
});

test('the volume must come from one disk resource that holds it whole', () => {
  const { outcome } = evaluateFit(
    containerOf(),
    fresh,
    [scalar('cpus', 4), scalar('mem', 4096), scalar('disk', 1000), ports([31000, 31000])],
    offer(1),
    planContextOf(),
  );
  assert.equal(outcome.reason, 'does not fit: no disk resource holds the 1024 MB volume');
});

test('a relaunch takes its whole reservation plus fresh ports', () => {
  const mine = reservedFor('1');
  const container = containerOf({ id: '1', reservation: ledger('1', 1) });
  const { outcome, claim } = evaluateFit(
    container,
    { kind: 'reserved', resources: mine },
    [...agentResources(), ...mine],
    offer(1),
    planContextOf(),
  );
  assert.equal(outcome.reason, 'launches on its reservation: cpus 1, mem 1024 MB, volume 1024 MB, ports 31000');
  assert.deepEqual(claim?.task, [...mine, ports([31000, 31000])]);
  assert.deepEqual(claim?.reservation, ledger('1', 1));
  const noPorts = evaluateFit(container, { kind: 'reserved', resources: mine }, mine, offer(1), planContextOf());
  assert.equal(noPorts.outcome.reason, 'does not fit: 0 of 1 ports');
});
