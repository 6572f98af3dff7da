/**
 * Accounting stage: one offer can host several containers, but no piece of it may go to two.
 * The planner hands each evaluation what is left after the containers placed before; this stage
 * checks the claim against that and debits it, so the next container sees only the rest. Mesos
 * would otherwise fail the second LAUNCH (TASK_ERROR, "Task uses more resources than available").
 */
import type { Resource } from '../../../shared/mesos/index.js';
import { fail, pass, type Outcome } from '../outcome.js';
import { describeResource } from '../resource-format.js';
import { containsResources, countRanges, subtractResources, sumScalar } from '../resource-math.js';
import type { Claim } from './resources-fit.js';

export interface AccountingResult {
  readonly outcome: Outcome;
  /** What the offer keeps for later containers once this claim is taken (unchanged on failure). */
  readonly remaining: readonly Resource[];
}

function leftover(resources: readonly Resource[]): string {
  const ports = resources.filter((r) => r.name === 'ports' && r.type === 'RANGES').flatMap((r) => r.ranges?.range ?? []);
  return `cpus ${sumScalar(resources, 'cpus')}, mem ${sumScalar(resources, 'mem')} MB, disk ${sumScalar(resources, 'disk')} MB, ${countRanges(ports)} ports`;
}

/** `hosted`: the containers this offer was already given, in placement order. */
export function evaluateAccounting(remaining: readonly Resource[], claim: Claim | undefined, hosted: readonly string[]): AccountingResult {
  const sharing = hosted.length === 0 ? '' : ` (already hosts container${hosted.length === 1 ? '' : 's'} ${hosted.join(', ')})`;
  if (claim === undefined) return { outcome: fail('accounting', `nothing to take: no fit${sharing}`), remaining };
  if (!containsResources(remaining, claim.taken)) {
    const taken = claim.taken.map(describeResource).join(', ');
    return { outcome: fail('accounting', `${taken} is not all left in the offer${sharing}`), remaining };
  }
  const rest = subtractResources(remaining, claim.taken);
  return { outcome: pass('accounting', `fits in what is left${sharing}; leaves ${leftover(rest)}`), remaining: rest };
}
