import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../../../../shared/mesos/index.js';
import { normalizeOffer } from '../../../../../scheduler/planner/resource-format.js';
import { evaluateReservation } from '../../../../../scheduler/planner/stages/reservation-match.js';
import { agentResources, containerOf, ledger, NOW, offer, planContextOf, reservedFor } from '../fixtures.js';

const plan = planContextOf();
const restarting = containerOf({
  id: '1',
  reservation: ledger('1', 1),
  preferredHost: 'host-1',
  readyAt: NOW - 5_000,
  waitUntil: NOW + 25_000,
});

test('with host-dir storage nothing is reserved', () => {
  const result = evaluateReservation(
    containerOf({ newReservationIds: undefined }),
    offer(1),
    agentResources(),
    planContextOf({ storage: { kind: 'host-dir', path: '/var/lib/sluice' } }),
  );
  assert.equal(result.source.kind, 'unreserved');
  assert.equal(result.outcome.reason, 'state lives in a host dir; nothing to reserve');
});

test('a container without a reservation reserves anew with its fresh ids', () => {
  const result = evaluateReservation(containerOf(), offer(1), agentResources(), plan);
  assert.deepEqual(result.source, {
    kind: 'new-reservation',
    ids: { cpus: 'r-cpus', mem: 'r-mem', disk: 'r-disk', volume: 'r-volume', persistenceId: 'pv-1' },
    sizeMb: 1024,
    containerPath: 'state',
  });
  assert.equal(result.outcome.reason, 'no reservation yet; reserves a 1024 MB volume here');
});

test('its own reserved resources are found by labels, not those of other containers or jobs', () => {
  const mine = reservedFor('1');
  const offered = [...agentResources(), ...reservedFor('2'), ...mine, ...reservedFor('1', { job: 'other-job' })];
  const result = evaluateReservation(restarting, offer(1), offered, plan);
  assert.deepEqual(result.source, { kind: 'reserved', resources: mine });
  assert.equal(result.outcome.reason, 'reuses its reservation and volume 1-pv');
});

test('a reservation in the pre-refinement format matches the same way', () => {
  const legacy: Resource[] = reservedFor('1').map((r) => {
    const { reservations, ...rest } = r;
    const info = reservations?.[0];
    return { ...rest, role: info?.role, reservation: { principal: info?.principal, labels: info?.labels } };
  });
  const normalized = normalizeOffer(offer(1, [...agentResources(), ...legacy])).resources ?? [];
  const result = evaluateReservation(restarting, offer(1), normalized, plan);
  assert.equal(result.source.kind, 'reserved');
  assert.deepEqual(result.source.kind === 'reserved' ? result.source.resources : [], reservedFor('1'));
});

test('a reservation offered only in part makes it wait, then reserve anew once the wait is over', () => {
  const partial = reservedFor('1').filter((r) => r.name !== 'mem');
  const early = evaluateReservation(restarting, offer(1), [...agentResources(), ...partial], plan);
  assert.equal(early.outcome.ok, false);
  assert.equal(
    early.outcome.reason,
    'its reservation here is offered only in part (missing resource 1-mem); waiting 25 s more for the rest',
  );
  const late = evaluateReservation(restarting, offer(1), [...agentResources(), ...partial], planContextOf({ now: NOW + 25_000 }));
  assert.equal(late.outcome.ok, true);
  assert.equal(late.source.kind, 'new-reservation');
});

test('on another agent it reserves anew (locality decides whether that is allowed yet)', () => {
  const result = evaluateReservation(restarting, offer(2), agentResources(), plan);
  assert.equal(result.source.kind, 'new-reservation');
  assert.equal(result.outcome.reason, "its volume is on agent S1 ('host-1'); a new reservation here restores from the changelog");
});

test('a reservation smaller than the container now asks for is replaced at once', () => {
  const small = reservedFor('1', { mem: 512 });
  const result = evaluateReservation(restarting, offer(1), [...agentResources(), ...small], plan);
  assert.equal(result.outcome.ok, true);
  assert.equal(result.source.kind, 'new-reservation');
  assert.equal(result.outcome.reason, 'its reservation here holds less than asked (mem 512 of 1024); it reserves anew');
});

test('a container that gave its volume up reserves anew even on that agent with the volume offered, and says why', () => {
  const gaveUp = containerOf({
    id: '1',
    givenUp: ledger('1', 1),
    avoid: { agentId: 'S1', hostname: 'host-1', onAgent: 3 },
    readyAt: NOW,
    waitUntil: NOW,
  });
  const result = evaluateReservation(gaveUp, offer(1), [...agentResources(), ...reservedFor('1')], plan);
  assert.equal(result.source.kind, 'new-reservation');
  assert.equal(
    result.outcome.reason,
    "gave up its volume 1-pv on agent S1 ('host-1') after 3 failures in a row there; reserves a new 1024 MB volume here and restores from the changelog",
  );
});
