/**
 * Role stage: the planner uses only resources that are unreserved (`*`) or reserved for its one
 * role, the role it reserves for and is accounted to. Anything else an offer may hold (another
 * subscribed role's allocation, an ancestor role's reservation offered to a child role) is left
 * alone and named in the reason, so an operator sees why a well-stocked agent was not used.
 */
import type { Resource } from '../../../shared/mesos/index.js';
import { fail, pass, type Outcome } from '../outcome.js';
import { describeResource, reservedRole } from '../resource-format.js';

export interface RoleResult {
  readonly outcome: Outcome;
  /** What is left of the offer that the role may use. */
  readonly usable: readonly Resource[];
}

export function evaluateRole(remaining: readonly Resource[], role: string): RoleResult {
  const usable = remaining.filter((r) => reservedRole(r) === '*' || reservedRole(r) === role);
  const other = remaining.filter((r) => !usable.includes(r));
  const ignored = other.length === 0 ? '' : `; ignored ${other.map(describeResource).join(', ')}`;
  if (usable.length === 0) {
    const what = remaining.length === 0 ? 'nothing is left of this offer' : `nothing is unreserved or reserved for role '${role}'`;
    return { outcome: fail('role', `${what}${ignored}`), usable };
  }
  return { outcome: pass('role', `${usable.length} resource(s) usable by role '${role}'${ignored}`), usable };
}
