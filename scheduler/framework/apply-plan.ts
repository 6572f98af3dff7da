/**
 * Acting on an offer plan, in the order plan.ts prescribes: record every placement (its task and
 * any new reservation) in ZooKeeper first, then ACCEPT, DECLINE, and SUPPRESS or REVIVE. Only
 * this file sends ACCEPT (dcos-commons' OfferAccepter).
 */
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Filters, SchedulerCall } from '../../shared/mesos/index.js';
import type { OfferPlan } from '../planner/index.js';
import { transition, type ContainerRecord } from './container-lifecycle.js';
import type { LaunchRecord } from './launch-store.js';

export interface PlanTarget {
  readonly records: Map<string, ContainerRecord>;
  readonly launches: () => LaunchRecord;
  /** Persists the launch record (fenced); throws when it could not, and nothing is launched then. */
  readonly persist: (record: LaunchRecord) => Promise<void>;
  readonly call: (call: SchedulerCall) => Promise<void>;
  /** Tasks whose ACCEPT failed: their fate is unknown until reconciled. */
  readonly reconcile: (tasks: ReadonlyMap<string, string>) => void;
  readonly log: Logger;
  readonly now: number;
}

export async function applyPlan(plan: OfferPlan, target: PlanTarget): Promise<void> {
  if (plan.placements.length > 0) {
    const before = target.launches();
    const tasks = new Map(before.tasks);
    const reservations = new Map(before.reservations);
    for (const placement of plan.placements) {
      tasks.set(placement.container, { taskId: placement.task.task_id.value, agentId: placement.agentId, hostname: placement.hostname });
      if (placement.reservation !== undefined) reservations.set(placement.container, placement.reservation);
    }
    try {
      await target.persist({ tasks, reservations });
    } catch (error) {
      // Launching what is not recorded would leave tasks and reservations a new leader cannot see.
      target.log.warn('cannot record the launches; declining the offers', { error: describeError(error) });
      await decline([...plan.accepts, ...plan.declines], target);
      throw error;
    }
    for (const placement of plan.placements) {
      const record = target.records.get(placement.container);
      if (record === undefined) continue;
      const task = tasks.get(placement.container);
      target.records.set(placement.container, transition(record, 'launch', target.now, task));
      target.log.info('launching container', {
        container: placement.container,
        task: task?.taskId,
        host: placement.hostname,
        kind: placement.kind,
      });
    }
  }
  for (const accept of plan.accepts) {
    try {
      await target.call({
        type: 'ACCEPT',
        accept: { offer_ids: [{ value: accept.offerId }], operations: [...accept.operations], filters: accept.filters },
      });
    } catch (error) {
      target.log.warn('ACCEPT failed; reconciling its tasks', { offer: accept.offerId, error: describeError(error) });
      const launched = new Map<string, string>();
      for (const container of accept.containers) {
        const task = target.records.get(container)?.task;
        if (task !== undefined) launched.set(task.taskId, task.agentId);
      }
      target.reconcile(launched);
    }
  }
  await decline(plan.declines, target);
}

async function decline(offers: readonly { offerId: string; filters: Filters }[], target: PlanTarget): Promise<void> {
  for (const offer of offers) {
    // A failed DECLINE only costs the offer until Mesos rescinds it.
    await target
      .call({ type: 'DECLINE', decline: { offer_ids: [{ value: offer.offerId }], filters: offer.filters } })
      .catch(() => undefined);
  }
}
