import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OfferOperation, Resource } from '../../../../shared/mesos/index.js';
import { planOffers, type ContainerState } from '../../../../scheduler/planner/index.js';
import { agentResources, EXITED, failedOn, jobModel, ledger, NOW, offer, reservedFor, snapshot } from './fixtures.js';
import { applyAccept } from './mesos-oracle.js';

const types = (operations: readonly OfferOperation[] = []): string[] => operations.map((o) => o.type ?? 'UNKNOWN');
const hostDir = { kind: 'host-dir', path: '/srv' } as const;
const reasonOf = (plan: ReturnType<typeof planOffers>, offerId: string, stage: string): string | undefined =>
  plan.evaluations.find((e) => e.offerId === offerId)?.outcomes.find((o) => o.stage === stage && o.container === '0')?.reason;

test('a container is never given up on: after 50 failures it waits out the capped backoff and is relaunched', () => {
  const failed = (ago: number): Map<string, ContainerState> => new Map([['0', { kind: 'failed', attempts: 50, lastFailureAt: NOW - ago }]]);
  const early = planOffers(snapshot({ containers: failed(59_000), offersSuppressed: true }));
  // 60 s at most, not 2^49 s: one more second to go.
  assert.deepEqual([early.placements, early.waiting, early.offerStream], [[], ['0'], 'revive']);
  assert.equal(reasonOf(early, 'O1', 'backoff'), '50 consecutive failures; backing off 1 s more');
  assert.deepEqual(early.errors, [
    {
      code: 'CONTAINER_FAILING',
      container: '0',
      message:
        "container 0 of job 'wordcount' failed 50 times in a row; it is relaunched, next attempt due at 2023-11-14T22:13:21.000Z (backoff 60 s)",
      failures: 50,
      nextAttemptAt: NOW + 1_000,
    },
  ]);
  const late = planOffers(snapshot({ containers: failed(60_000) }));
  assert.deepEqual(
    late.placements.map((p) => [p.container, p.offerId]),
    [['0', 'O1']],
  );
  // Still reported in the plan that relaunches it: the framework clears it once the container runs.
  assert.deepEqual(
    late.errors.map((e) => [e.code, e.nextAttemptAt]),
    [['CONTAINER_FAILING', NOW]],
  );
});

test("the job error names the failures, the last one's agent and Mesos's reason, the next attempt and what the planner does", () => {
  const plan = planOffers(snapshot({ storage: hostDir, containers: new Map([['0', failedOn(1, 5, 2, 10_000)]]) }));
  assert.deepEqual(plan.errors, [
    {
      code: 'CONTAINER_FAILING',
      container: '0',
      message:
        "container 0 of job 'wordcount' failed 5 times in a row, the last on agent S1 ('host-1'): TASK_FAILED (REASON_EXECUTOR_TERMINATED): " +
        'Executor terminated; it is relaunched, next attempt due at 2023-11-14T22:13:26.000Z (backoff 16 s); ' +
        'after 2 failures in a row on agent S1 it prefers any other agent',
      failures: 5,
      nextAttemptAt: NOW + 6_000,
      lastFailure: { agentId: 'S1', hostname: 'host-1', onAgent: 2, cause: EXITED },
      avoidsAgent: 'S1',
    },
  ]);
  // Containers that did not fail have no error.
  const fine = planOffers(snapshot({ jobModel: jobModel(['0', '1']), containers: new Map([['1', { kind: 'running', agentId: 'S1' }]]) }));
  assert.deepEqual(fine.errors, []);
});

test('after 2 failures in a row on one agent a container without a volume prefers any other agent, even a busier one', () => {
  const base = {
    storage: hostDir,
    jobModel: jobModel(['0', '1']),
    lastHosts: new Map([['0', 'host-1']]),
    offers: [offer(1), offer(2)],
  };
  const states = (zero: ContainerState) =>
    new Map<string, ContainerState>([
      ['0', zero],
      ['1', { kind: 'running', agentId: 'S2' }],
    ]);
  const once = planOffers(snapshot({ ...base, containers: states(failedOn(1, 2, 1)) }));
  assert.deepEqual(
    once.placements.map((p) => p.offerId),
    ['O1'],
    'one failure there: its last host still wins',
  );
  const twice = planOffers(snapshot({ ...base, containers: states(failedOn(1, 2, 2)) }));
  assert.deepEqual(
    twice.placements.map((p) => p.offerId),
    ['O2'],
    'two in a row: the other agent, though it runs container 1',
  );
  assert.equal(reasonOf(twice, 'O2', 'locality'), "any host but 'host-1' will do");
});

test('the agent a container avoids is its last resort: other agents have 30 s to offer, then it will do', () => {
  // Its 2 s backoff ended `ago - 2 s` ago.
  const alone = (ago: number) =>
    planOffers(
      snapshot({
        storage: hostDir,
        lastHosts: new Map([['0', 'host-1']]),
        containers: new Map([['0', failedOn(1, 2, 2, ago)]]),
        offers: [offer(1)],
      }),
    );
  assert.deepEqual(alone(2_000).waiting, ['0']);
  assert.equal(
    reasonOf(alone(2_000), 'O1', 'locality'),
    "it failed 2 times in a row on agent S1 ('host-1'); waiting 30 s more for another agent",
  );
  assert.deepEqual(
    alone(32_000).placements.map((p) => p.offerId),
    ['O1'],
  );
  assert.equal(
    reasonOf(alone(32_000), 'O1', 'locality'),
    "it failed 2 times in a row on agent S1 ('host-1'); taken only if no other agent will do",
  );
  // Its 2 s backoff has just ended: after one failure on host-1 it waits 30 s for host-1; after two, another host will do at once.
  const justReady = (onAgent: number) =>
    planOffers(
      snapshot({
        storage: hostDir,
        lastHosts: new Map([['0', 'host-1']]),
        containers: new Map([['0', failedOn(1, 2, onAgent, 2_000)]]),
        offers: [offer(2)],
      }),
    );
  assert.deepEqual(justReady(1).waiting, ['0']);
  assert.equal(reasonOf(justReady(1), 'O2', 'locality'), "waiting 30 s more for 'host-1', where its state is; offer is from 'host-2'");
  assert.deepEqual(
    justReady(2).placements.map((p) => p.offerId),
    ['O2'],
  );
});

const withoutVolume = (resource: Resource): Resource => {
  const { disk: _volume, ...rest } = resource;
  return rest;
};

test('with a volume it keeps relaunching on its reservation for 2 failures there; at the 3rd it gives the volume up and reserves on another agent', () => {
  const own = offer(1, [...agentResources(), ...reservedFor('0')]);
  const base = { offers: [own, offer(2)], reservations: new Map([['0', ledger('0', 1)]]), lastHosts: new Map([['0', 'host-1']]) };

  const sticky = planOffers(snapshot({ ...base, containers: new Map([['0', failedOn(1, 2, 2)]]) }));
  assert.deepEqual(
    sticky.placements.map((p) => [p.offerId, p.kind]),
    [['O1', 'reused-reservation']],
  );
  assert.deepEqual(types(sticky.accepts[0]?.operations), ['LAUNCH']);
  assert.deepEqual([sticky.errors[0]?.avoidsAgent, sticky.errors[0]?.gaveUpVolume], [undefined, undefined]);

  const moved = planOffers(snapshot({ ...base, containers: new Map([['0', failedOn(1, 3, 3)]]) }));
  assert.deepEqual(
    moved.placements.map((p) => [p.offerId, p.kind, p.reservation]),
    [['O2', 'new-reservation', { agentId: 'S2', hostname: 'host-2', resourceIds: ['u2', 'u3', 'u5'], persistenceId: 'u6' }]],
  );
  assert.equal(
    reasonOf(moved, 'O2', 'reservation'),
    "gave up its volume 0-pv on agent S1 ('host-1') after 3 failures in a row there; reserves a new 1024 MB volume here and restores from the changelog",
  );
  // The old volume and reservation are released in the same round: DESTROY, then UNRESERVE, as Mesos takes them.
  const release = moved.accepts.find((a) => a.offerId === 'O1');
  assert.deepEqual(types(release?.operations), ['DESTROY', 'UNRESERVE']);
  assert.deepEqual(
    release?.operations[0]?.destroy?.volumes?.map((v) => v.disk?.persistence?.id),
    ['0-pv'],
  );
  assert.deepEqual(release?.operations[1]?.unreserve?.resources, reservedFor('0').map(withoutVolume));
  assert.deepEqual(applyAccept(own, release?.operations ?? []).errors, []);
  assert.match(
    moved.evaluations[0]?.outcomes[0]?.reason ?? '',
    /^releases container 0 gave this reservation up after failing on this agent \(/,
  );
  assert.deepEqual([moved.errors[0]?.avoidsAgent, moved.errors[0]?.gaveUpVolume], ['S1', '0-pv']);
  assert.match(
    moved.errors[0]?.message ?? '',
    /; it gave up its volume 0-pv on agent S1 after 3 failures there and reserves a new one on another agent, restoring its stores from the changelog$/,
  );
});

test('a volume given up is released even while the container backs off, and with no other agent it reserves anew on the same one', () => {
  const own = offer(1, [...agentResources(), ...reservedFor('0')]);
  const base = { offers: [own], reservations: new Map([['0', ledger('0', 1)]]) };
  const backingOff = planOffers(snapshot({ ...base, containers: new Map([['0', failedOn(1, 3, 3, 1_000)]]) }));
  assert.deepEqual(backingOff.waiting, ['0']);
  assert.deepEqual(types(backingOff.accepts[0]?.operations), ['DESTROY', 'UNRESERVE']);

  const lastResort = planOffers(snapshot({ ...base, containers: new Map([['0', failedOn(1, 3, 3)]]) }));
  const operations = lastResort.accepts[0]?.operations ?? [];
  assert.deepEqual(types(operations), ['DESTROY', 'UNRESERVE', 'RESERVE', 'CREATE', 'LAUNCH']);
  assert.deepEqual(
    lastResort.placements.map((p) => [p.kind, p.reservation?.agentId, p.reservation?.persistenceId]),
    [['new-reservation', 'S1', 'u6']],
  );
  // The new reservation comes from the unreserved resources, not from the one being released.
  assert.deepEqual(applyAccept(own, operations).errors, []);
});

test('failures on another agent than its volume count against that agent only', () => {
  // Its volume is on S1; it failed twice in a row on S2 (a launch there whose reservation was never recorded).
  const plan = planOffers(
    snapshot({
      offers: [offer(1, [...agentResources(), ...reservedFor('0')]), offer(2)],
      reservations: new Map([['0', ledger('0', 1)]]),
      containers: new Map([['0', failedOn(2, 2, 2)]]),
    }),
  );
  assert.deepEqual(
    plan.placements.map((p) => [p.offerId, p.kind]),
    [['O1', 'reused-reservation']],
  );
  assert.deepEqual([plan.errors[0]?.avoidsAgent, plan.errors[0]?.gaveUpVolume], ['S2', undefined]);
});
