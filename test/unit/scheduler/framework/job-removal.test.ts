import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, setLogLevel } from '../../../../shared/log.js';
import type { Offer } from '../../../../shared/mesos/index.js';
import type { ContainerReservation, OfferPlan } from '../../../../scheduler/planner/index.js';
import {
  describeLeftovers,
  planRelease,
  JobRemoval,
  type RemovalHost,
  type RemovalSettings,
} from '../../../../scheduler/framework/job-removal.js';
import { agentResources, FRAMEWORK_ID, JOB, LAUNCH, ledger, offer, PRINCIPAL, reservedFor, ROLE } from '../planner/fixtures.js';

setLogLevel('error');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SETTINGS: RemovalSettings = { role: ROLE, timeoutMs: 5_000, releaseFilterSeconds: 2, declineFilterSeconds: 120, retryMs: 60_000 };

/** A framework double: containers that are live until `end`ed, every call written down. */
class FakeFramework {
  readonly calls: string[] = [];
  readonly containers = new Map<string, { killing: boolean }>();
  failKills = 0;

  constructor(live: readonly string[]) {
    for (const id of live) this.containers.set(id, { killing: false });
  }

  end(id: string): void {
    this.containers.delete(id);
  }

  host(): RemovalHost {
    return {
      liveContainers: () => [...this.containers].map(([id, c]) => ({ id, killing: c.killing })),
      kill: async (id) => {
        if (this.failKills-- > 0) throw new Error('not subscribed');
        this.calls.push(`KILL ${id}`);
        const container = this.containers.get(id);
        if (container !== undefined) container.killing = true;
      },
      plan: (offers) =>
        planRelease({
          job: JOB,
          frameworkId: FRAMEWORK_ID,
          options: {
            role: ROLE,
            principal: PRINCIPAL,
            resources: { cpus: 1, memMb: 1024, diskMb: 0, ports: 0 },
            storage: { kind: 'persistent-volume', sizeMb: 1024, containerPath: 'state' },
            timings: {
              localityWaitMs: 0,
              backoffInitialMs: 0,
              backoffMaxMs: 0,
              avoidAgentAfterFailures: 2,
              giveUpVolumeAfterFailures: 3,
              declineLongSeconds: 120,
              declineShortSeconds: 5,
            },
            launch: LAUNCH,
          },
          reservations: new Map(),
          offers,
          now: 0,
        }),
      apply: async (plan: OfferPlan) => {
        for (const accept of plan.accepts)
          this.calls.push(
            `ACCEPT ${accept.hostname} ${accept.operations.map((o) => o.type).join('+')} refuse ${accept.filters.refuse_seconds}`,
          );
        for (const decline of plan.declines) this.calls.push(`DECLINE ${decline.hostname} refuse ${decline.filters.refuse_seconds}`);
      },
      call: async (call) => {
        const offers = call.decline?.offer_ids?.map((id) => id.value).join() ?? '';
        this.calls.push(call.type === 'DECLINE' ? `DECLINE ${offers} refuse ${call.decline?.filters?.refuse_seconds}` : String(call.type));
      },
      later: (work) => void work(),
    };
  }
}

function startRemoval(
  framework: FakeFramework,
  recorded: ReadonlyMap<string, ContainerReservation>,
  settings: Partial<RemovalSettings> = {},
): JobRemoval {
  return new JobRemoval(framework.host(), { ...SETTINGS, ...settings }, recorded, createLogger());
}

const withReservations = (n: number, container: string): Offer => offer(n, [...agentResources(), ...reservedFor(container)]);

describe('job removal', () => {
  it('kills every container, then releases what the record and the offers show, until each agent offers none', async () => {
    const framework = new FakeFramework(['0', '1']);
    const removal = startRemoval(
      framework,
      new Map([
        ['0', ledger('0', 1)],
        ['1', ledger('1', 2)],
      ]),
    );
    await removal.begin();
    assert.deepEqual(framework.calls.splice(0), ['KILL 0', 'KILL 1']);
    assert.equal(removal.phase, 'stopping');

    await removal.onOffers([withReservations(1, '0')]);
    assert.deepEqual(
      framework.calls.splice(0),
      ['DECLINE O1 refuse 120'],
      'while a task may run an offer proves nothing: declined, not released',
    );
    framework.end('0');
    await removal.onContainers();
    assert.equal(removal.phase, 'stopping');
    framework.end('1');
    await removal.onContainers();
    assert.equal(removal.phase, 'releasing');
    assert.deepEqual(framework.calls.splice(0), ['REVIVE'], 'REVIVE lifts every filter, so each agent offers again');

    // host-1 still holds container 0's; host-2 holds none any more; host-3 holds an unrecorded one of container 7.
    await removal.onOffers([withReservations(1, '0'), offer(2), withReservations(3, '7')]);
    assert.deepEqual(framework.calls.splice(0), [
      'ACCEPT host-1 DESTROY+UNRESERVE refuse 2',
      'ACCEPT host-3 DESTROY+UNRESERVE refuse 2',
      'DECLINE host-2 refuse 120',
    ]);
    assert.equal(removal.phase, 'releasing');

    await removal.onOffers([offer(1)]);
    assert.equal(removal.phase, 'releasing', 'host-3 has not shown it is released yet');
    await removal.onOffers([offer(3)]);
    const outcome = await removal.finished;
    assert.deepEqual([outcome.phase, outcome.containers, outcome.held], ['released', [], []]);
  });

  it('waits for nothing when the job reserved nothing (host dirs)', async () => {
    const framework = new FakeFramework([]);
    const removal = startRemoval(framework, new Map());
    await removal.begin();
    const outcome = await removal.finished;
    assert.deepEqual([outcome.phase, outcome.held, framework.calls], ['released', [], []]);
  });

  it('gives up after the timeout and names what was left', async () => {
    const framework = new FakeFramework([]);
    const removal = startRemoval(
      framework,
      new Map([
        ['0', ledger('0', 1)],
        ['1', ledger('1', 1)],
      ]),
      { timeoutMs: 50 },
    );
    await removal.begin();
    const outcome = await removal.finished;
    assert.equal(outcome.phase, 'timed-out');
    assert.deepEqual(outcome.held, [
      {
        agentId: 'S1',
        hostname: 'host-1',
        holds: 'container 0: 3 reserved resources, volume 0-pv; container 1: 3 reserved resources, volume 1-pv',
      },
    ]);
    assert.equal(
      describeLeftovers(outcome, 50),
      'removal did not finish within 0.05 s; going on with the TEARDOWN: reservations and volumes may be left on host-1 (agent S1: container 0: 3 reserved resources, volume 0-pv; container 1: 3 reserved resources, volume 1-pv); Mesos never frees them: release them with the operator API (DESTROY_VOLUMES, then UNRESERVE_RESOURCES)',
    );
    await removal.onOffers([withReservations(1, '0')]);
    assert.deepEqual(framework.calls.at(-1), 'DECLINE O1 refuse 120', 'once ended, offers are only declined');
  });

  it('a timeout while stopping names the containers that may still run', async () => {
    const framework = new FakeFramework(['0']);
    const removal = startRemoval(framework, new Map(), { timeoutMs: 50 });
    await removal.begin();
    const outcome = await removal.finished;
    assert.deepEqual([outcome.phase, outcome.containers], ['timed-out', ['0']]);
    assert.match(describeLeftovers(outcome, 50), /containers 0 may still run \(the TEARDOWN kills them\)$/);
  });

  it('sends a KILL that failed again, and ends at once when aborted', async () => {
    const framework = new FakeFramework(['0']);
    framework.failKills = 1;
    const removal = startRemoval(framework, new Map(), { retryMs: 20 });
    await removal.begin();
    assert.deepEqual(framework.calls, []);
    await sleep(80);
    assert.equal(framework.calls[0], 'KILL 0');
    removal.abort();
    assert.equal((await removal.finished).phase, 'aborted');
  });

  it('plans the release of every reservation of the job, and only of the job', () => {
    const framework = new FakeFramework([]);
    const plan = framework.host().plan([offer(1, [...agentResources(), ...reservedFor('0'), ...reservedFor('0', { job: 'other-job' })])]);
    assert.deepEqual(plan.placements, []);
    const [accept] = plan.accepts;
    assert.deepEqual(
      accept?.operations.map((o) => o.type),
      ['DESTROY', 'UNRESERVE'],
    );
    const unreserved = accept?.operations[1]?.unreserve?.resources ?? [];
    assert.deepEqual(
      unreserved.map((r) => r.reservations?.[0]?.labels?.labels?.find((l) => l.key === 'sluice_job')?.value),
      [JOB, JOB, JOB],
    );
  });
});
