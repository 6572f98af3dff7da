import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planOffers, type ContainerState } from '../../../../scheduler/planner/index.js';
import { EXITED, failedOn, jobModel, NOW, snapshot } from './fixtures.js';

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

test("the job error names the failures, the last one's agent and Mesos's reason, and the next attempt", () => {
  const plan = planOffers(snapshot({ storage: hostDir, containers: new Map([['0', failedOn(1, 5, 2, 10_000)]]) }));
  assert.deepEqual(plan.errors, [
    {
      code: 'CONTAINER_FAILING',
      container: '0',
      message:
        "container 0 of job 'wordcount' failed 5 times in a row, the last on agent S1 ('host-1'): TASK_FAILED (REASON_EXECUTOR_TERMINATED): " +
        'Executor terminated; it is relaunched, next attempt due at 2023-11-14T22:13:26.000Z (backoff 16 s)',
      failures: 5,
      nextAttemptAt: NOW + 6_000,
      lastFailure: { agentId: 'S1', hostname: 'host-1', onAgent: 2, cause: EXITED },
    },
  ]);
  // Containers that did not fail have no error.
  const fine = planOffers(snapshot({ jobModel: jobModel(['0', '1']), containers: new Map([['1', { kind: 'running', agentId: 'S1' }]]) }));
  assert.deepEqual(fine.errors, []);
});
