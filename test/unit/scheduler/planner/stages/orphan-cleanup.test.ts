import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../../../../shared/mesos/index.js';
import { evaluateOrphans, type OrphanContext } from '../../../../../scheduler/planner/stages/orphan-cleanup.js';
import { agentResources, ledger, offer, ROLE, reservedFor, scalar } from '../fixtures.js';

const context: OrphanContext = {
  job: 'wordcount',
  role: ROLE,
  storage: { kind: 'persistent-volume', sizeMb: 1024, containerPath: 'state' },
  containers: new Set(['0', '1']),
  reservations: new Map([['1', ledger('1', 1)]]),
  givenUp: new Map(),
};

const withoutDisk = (r: Resource): Resource => {
  const { disk: _disk, ...rest } = r;
  return rest;
};

test("a removed container's reservation is destroyed, then unreserved", () => {
  const gone = reservedFor('7');
  const result = evaluateOrphans([...agentResources(), ...reservedFor('1'), ...gone], offer(1), context);
  const volume = gone.filter((r) => r.disk !== undefined);
  assert.deepEqual(result.outcome.operations, [
    { type: 'DESTROY', destroy: { volumes: volume } },
    { type: 'UNRESERVE', unreserve: { resources: gone.map(withoutDisk) } },
  ]);
  assert.equal(
    result.outcome.reason,
    'releases container 7 is no longer in the job model (cpus(sluice):1, mem(sluice):1024, disk(sluice)[volume 7-pv]:1024)',
  );
  assert.deepEqual(result.remaining, [...agentResources(), ...reservedFor('1')]);
});

test('a reservation the container has moved away from is an orphan; its current one is not', () => {
  const moved = evaluateOrphans(reservedFor('1'), offer(2), context);
  assert.equal(moved.outcome.reason.startsWith('releases container 1 has moved to another reservation'), true);
  const unknownId = evaluateOrphans(
    [
      scalar('cpus', 1, [
        {
          type: 'DYNAMIC',
          role: ROLE,
          labels: {
            labels: [
              { key: 'sluice_job', value: 'wordcount' },
              { key: 'sluice_container', value: '1' },
              { key: 'resource_id', value: 'old' },
            ],
          },
        },
      ]),
    ],
    offer(1),
    context,
  );
  assert.equal(unknownId.outcome.operations.length, 1);
  const current = evaluateOrphans(reservedFor('1'), offer(1), context);
  assert.deepEqual(
    [current.outcome.reason, current.outcome.operations, current.remaining],
    ['no orphaned reservations', [], reservedFor('1')],
  );
});

test("other jobs', other roles' and static reservations are never touched", () => {
  const foreign = [
    ...reservedFor('7', { job: 'other-job' }),
    scalar('cpus', 1, [{ type: 'STATIC', role: ROLE }]),
    ...reservedFor('7').map((r) => ({ ...r, reservations: r.reservations?.map((x) => ({ ...x, role: 'analytics' })) })),
  ];
  const result = evaluateOrphans(foreign, offer(1), context);
  assert.deepEqual([result.outcome.operations, result.remaining], [[], foreign]);
});

test('with host-dir storage every reservation of the job is an orphan', () => {
  const result = evaluateOrphans(reservedFor('1'), offer(1), { ...context, storage: { kind: 'host-dir', path: '/var/lib/sluice' } });
  assert.equal(result.outcome.reason.startsWith('releases container 1 keeps its state in a host dir now'), true);
  assert.deepEqual(result.remaining, []);
});

test('a reservation its container gave up is an orphan though still recorded; without the give-up it is kept', () => {
  const givenUp = { ...context, givenUp: new Map([['1', ledger('1', 1)]]) };
  const result = evaluateOrphans([...agentResources(), ...reservedFor('1')], offer(1), givenUp);
  assert.deepEqual(
    result.outcome.operations.map((o) => o.type),
    ['DESTROY', 'UNRESERVE'],
  );
  assert.equal(
    result.outcome.reason,
    'releases container 1 gave this reservation up after failing on this agent (cpus(sluice):1, mem(sluice):1024, disk(sluice)[volume 1-pv]:1024)',
  );
  assert.deepEqual(result.remaining, agentResources());
  assert.deepEqual(evaluateOrphans(reservedFor('1'), offer(1), context).outcome.operations, []);
});
