/**
 * The two resource formats on the wire, as the Mesos master converts them:
 * - frameworks without the RESERVATION_REFINEMENT capability get offers in the pre-refinement
 *   format (`role` + `reservation`, no `reservations`; master.cpp `downgradeResources`), and may
 *   send operations in it (the master upgrades them: `upgradeResources`);
 * - offered resources carry `allocation_info.role` (Mesos ≥ 1.2), and operations may carry it or
 *   not (the master injects it for non-MULTI_ROLE frameworks).
 * Internally every list is post-refinement and without allocation_info.
 */
import type { FrameworkInfo, Resource } from '../../../shared/mesos/index.js';

export function hasCapability(info: FrameworkInfo, type: string): boolean {
  return (info.capabilities ?? []).some((capability) => capability.type === type);
}

/** One wire resource in our internal form. */
export function toInternal(resource: Resource): Resource {
  const { allocation_info: _allocation, role, reservation, reservations, ...rest } = resource;
  if (reservations !== undefined && reservations.length > 0) {
    return { ...rest, reservations: reservations.map((r) => ({ ...r, type: r.type ?? 'DYNAMIC' })) };
  }
  if (role !== undefined && role !== '*') {
    return {
      ...rest,
      reservations: [
        reservation === undefined
          ? { type: 'STATIC', role }
          : { type: 'DYNAMIC', role, principal: reservation.principal, labels: reservation.labels },
      ],
    };
  }
  return rest;
}

export function toInternalList(resources: readonly Resource[] | undefined): Resource[] {
  return (resources ?? []).map(toInternal);
}

/** One internal resource as offered to `framework` under `role`. */
export function toOffered(resource: Resource, role: string, framework: FrameworkInfo): Resource {
  const stamped: Resource = { ...resource, allocation_info: { role } };
  if (hasCapability(framework, 'RESERVATION_REFINEMENT')) return stamped;
  const { reservations, ...rest } = stamped;
  const innermost = reservations?.at(-1);
  if (innermost === undefined) return { ...rest, role: '*' };
  if (innermost.type === 'STATIC') return { ...rest, role: innermost.role ?? '*' };
  return {
    ...rest,
    role: innermost.role ?? '*',
    reservation: { principal: innermost.principal, labels: innermost.labels },
  };
}

/** The roles a framework subscribes with: `roles` for MULTI_ROLE, else the legacy `role`. */
export function frameworkRoles(info: FrameworkInfo): string[] {
  if (hasCapability(info, 'MULTI_ROLE')) return info.roles ?? [];
  return [info.role ?? '*'];
}
