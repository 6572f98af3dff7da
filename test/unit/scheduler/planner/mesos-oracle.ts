/**
 * An independent judge of a plan: applies an ACCEPT's operations to the offer the way the mini
 * Mesos master does (its RESERVE/CREATE/DESTROY/UNRESERVE validation and its resource arithmetic,
 * not the planner's), and a LAUNCH the way master validation does: the task's resources must be
 * in what is left. Every task subtracts its resources, so two tasks sharing a piece, or tasks
 * taking more than the offer, show up as an error.
 */
import type { FrameworkInfo, Offer, OfferOperation, Resource } from '../../../../shared/mesos/index.js';
import { create, destroy, reserve, unreserve, type OperationOutcome, type Pools } from '../../../../dev/mini-mesos/master/operations.js';
import { toInternalList } from '../../../../dev/mini-mesos/resources/resource-format.js';
import { addResources, containsResources, subtractResources } from '../../../../dev/mini-mesos/resources/resource-math.js';
import { PRINCIPAL, ROLE } from './fixtures.js';

export const FRAMEWORK_INFO: FrameworkInfo = { user: 'sluice', name: 'sluice', role: ROLE, principal: PRINCIPAL };

export interface AcceptResult {
  /** What the offer holds after the operations, in the mini Mesos's internal form. */
  readonly leftover: Resource[];
  readonly errors: string[];
  /** Each launched task's resources, internal form. */
  readonly tasks: Resource[][];
}

export function applyAccept(offer: Offer, operations: readonly OfferOperation[]): AcceptResult {
  const offered = addResources(toInternalList(offer.resources), []);
  let pools: Pools = { offered, total: offered };
  const errors: string[] = [];
  const tasks: Resource[][] = [];
  const step = (outcome: OperationOutcome): void => {
    if (outcome.error !== undefined) errors.push(outcome.error);
    else pools = outcome.pools;
  };
  for (const operation of operations) {
    switch (operation.type) {
      case 'RESERVE':
        step(reserve(pools, toInternalList(operation.reserve?.resources), FRAMEWORK_INFO));
        break;
      case 'UNRESERVE':
        step(unreserve(pools, toInternalList(operation.unreserve?.resources)));
        break;
      case 'CREATE':
        step(create(pools, toInternalList(operation.create?.volumes), FRAMEWORK_INFO, new Set()));
        break;
      case 'DESTROY':
        step(destroy(pools, toInternalList(operation.destroy?.volumes)));
        break;
      case 'LAUNCH':
        for (const task of operation.launch?.task_infos ?? []) {
          const needed = toInternalList(task.resources);
          if (!containsResources(pools.offered, needed)) errors.push(`task ${task.task_id.value} uses more than is left`);
          else pools = { offered: subtractResources(pools.offered, needed), total: pools.total };
          tasks.push(needed);
        }
        break;
      default:
        errors.push(`unexpected operation ${operation.type ?? 'UNKNOWN'}`);
    }
  }
  return { leftover: pools.offered, errors, tasks };
}
