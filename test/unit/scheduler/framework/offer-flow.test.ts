import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SchedulerCall, SchedulerCallReconcileTask } from '../../../../shared/mesos/index.js';
import { createLogger, setLogLevel } from '../../../../shared/log.js';
import { OfferStream } from '../../../../scheduler/framework/offer-stream.js';
import { Reconciler } from '../../../../scheduler/framework/reconciler.js';
import { SerialQueue } from '../../../../shared/serial-queue.js';

setLogLevel('error');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('offer stream', () => {
  it('revives only while suppressed, at most once per interval, deferring the next', async () => {
    const calls: string[] = [];
    const stream = new OfferStream(
      'sluice',
      100,
      async (call: SchedulerCall) => void calls.push(`${call.type} ${JSON.stringify(call.revive ?? call.suppress)}`),
      (work) => void work(),
    );
    await stream.revive();
    assert.deepEqual(calls, [], 'not suppressed: nothing to revive');
    await stream.suppress();
    await stream.revive();
    await stream.suppress();
    await stream.revive();
    await stream.revive();
    assert.deepEqual(calls, ['SUPPRESS {"roles":["sluice"]}', 'REVIVE {"roles":["sluice"]}', 'SUPPRESS {"roles":["sluice"]}']);
    await sleep(150);
    assert.equal(calls.at(-1), 'REVIVE {"roles":["sluice"]}', 'the deferred REVIVE went out');
    assert.equal(stream.suppressed, false);
    stream.stop();
  });
});

describe('reconciler', () => {
  it('repeats an explicit RECONCILE with backoff until every task was seen', async () => {
    const rounds: SchedulerCallReconcileTask[][] = [];
    const reconciler = new Reconciler(
      async (tasks) => void rounds.push(tasks),
      { initialMs: 30, maxMs: 60, implicitEveryMs: 10_000 },
      createLogger(),
    );
    reconciler.start(
      new Map([
        ['t1', 'S1'],
        ['t2', 'S2'],
      ]),
    );
    assert.deepEqual(
      rounds[0]?.map((task) => [task.task_id.value, task.agent_id?.value]),
      [
        ['t1', 'S1'],
        ['t2', 'S2'],
      ],
    );
    reconciler.seen('t1');
    await sleep(45);
    assert.deepEqual(
      rounds[1]?.map((task) => task.task_id.value),
      ['t2'],
    );
    reconciler.seen('t2');
    const sent = rounds.length;
    await sleep(150);
    assert.equal(rounds.length, sent, 'no more rounds once everything is fresh');
    reconciler.stop();
  });
});

describe('serial queue', () => {
  it('runs work in order, survives a failure, and skips what is queued after close', async () => {
    const order: string[] = [];
    const errors: unknown[] = [];
    const queue = new SerialQueue((error) => errors.push(error));
    queue.push(async () => {
      await sleep(20);
      order.push('a');
    });
    queue.push(async () => {
      throw new Error('b failed');
    });
    await queue.run(async () => void order.push('c'));
    queue.push(async () => void order.push('d'));
    await queue.close();
    queue.push(async () => void order.push('e'));
    await sleep(10);
    assert.deepEqual(order, ['a', 'c']);
    assert.equal(errors.length, 1);
  });
});
