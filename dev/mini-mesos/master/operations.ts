/**
 * RESERVE, UNRESERVE, CREATE and DESTROY inside one ACCEPT (master.cpp `_accept` with
 * validation::operation::validate). Each works on what the accepted offers still hold and, when
 * valid, changes it and the agent's total alike; an invalid one is dropped and the ACCEPT goes on
 * with the next operation, as Mesos does (the framework sees the outcome only in later offers).
 */
import type { FrameworkInfo, Resource } from '../../../shared/mesos/index.js';
import { frameworkRoles } from '../resources/resource-format.js';
import {
  addResources,
  containsResources,
  isPersistentVolume,
  isReserved,
  popReservation,
  reservedRole,
  subtractResources,
  withoutDiskInfo,
} from '../resources/resource-math.js';

export interface Pools {
  /** What the accepted offers still hold. */
  offered: Resource[];
  /** The agent's total resources. */
  total: Resource[];
}

export type OperationOutcome = { pools: Pools; error?: undefined } | { error: string };

/** Moves `from` to `to` in both pools if the offers hold `from`. */
function convert(pools: Pools, from: Resource[], to: Resource[], what: string): OperationOutcome {
  if (!containsResources(pools.offered, from)) {
    return { error: `Invalid ${what} Operation: the offered resources do not contain ${JSON.stringify(from)}` };
  }
  return {
    pools: {
      offered: addResources(subtractResources(pools.offered, from), to),
      total: addResources(subtractResources(pools.total, from), to),
    },
  };
}

function checkPrincipal(framework: FrameworkInfo, principal: string | undefined, what: string): string | undefined {
  if (framework.principal === undefined || principal === framework.principal) return undefined;
  return `Invalid ${what} Operation: principal '${principal ?? ''}' does not match the framework's principal '${framework.principal}'`;
}

export function reserve(pools: Pools, resources: Resource[], framework: FrameworkInfo): OperationOutcome {
  const roles = frameworkRoles(framework);
  for (const resource of resources) {
    const reservation = resource.reservations?.at(-1);
    if (reservation === undefined || reservation.type !== 'DYNAMIC') {
      return { error: 'Invalid RESERVE Operation: Resource must be dynamically reserved' };
    }
    if (isPersistentVolume(resource)) return { error: 'Invalid RESERVE Operation: a persistent volume cannot be reserved' };
    if (!roles.includes(reservedRole(resource))) {
      return { error: `Invalid RESERVE Operation: role '${reservedRole(resource)}' is not one of the framework's roles` };
    }
    const wrongPrincipal = checkPrincipal(framework, reservation.principal, 'RESERVE');
    if (wrongPrincipal !== undefined) return { error: wrongPrincipal };
  }
  return convert(pools, resources.map(popReservation), resources, 'RESERVE');
}

export function unreserve(pools: Pools, resources: Resource[]): OperationOutcome {
  for (const resource of resources) {
    if (!isReserved(resource) || resource.reservations?.at(-1)?.type !== 'DYNAMIC') {
      return { error: 'Invalid UNRESERVE Operation: Resource is not dynamically reserved' };
    }
    if (isPersistentVolume(resource)) {
      return { error: 'Invalid UNRESERVE Operation: a persistent volume cannot be unreserved; DESTROY it first' };
    }
  }
  return convert(pools, resources, resources.map(popReservation), 'UNRESERVE');
}

export function create(pools: Pools, volumes: Resource[], framework: FrameworkInfo, existingIds: ReadonlySet<string>): OperationOutcome {
  const seen = new Set<string>();
  for (const volume of volumes) {
    const persistence = volume.disk?.persistence;
    if (volume.name !== 'disk' || persistence === undefined) {
      return { error: 'Invalid CREATE Operation: Resource is not a persistent volume' };
    }
    if (!isReserved(volume)) return { error: 'Invalid CREATE Operation: Persistent volumes cannot be created from unreserved resources' };
    if (volume.disk?.volume === undefined) return { error: "Invalid CREATE Operation: Expecting 'volume' to be set for persistent volume" };
    if (volume.disk.volume.host_path !== undefined) {
      return { error: "Invalid CREATE Operation: Expecting 'host_path' to be unset for persistent volume" };
    }
    if (existingIds.has(persistence.id) || seen.has(persistence.id)) {
      return { error: `Invalid CREATE Operation: Persistence ID '${persistence.id}' is already in use` };
    }
    seen.add(persistence.id);
    const wrongPrincipal = checkPrincipal(framework, persistence.principal, 'CREATE');
    if (wrongPrincipal !== undefined) return { error: wrongPrincipal };
  }
  return convert(pools, volumes.map(withoutDiskInfo), volumes, 'CREATE');
}

export function destroy(pools: Pools, volumes: Resource[]): OperationOutcome {
  if (!volumes.every(isPersistentVolume)) return { error: 'Invalid DESTROY Operation: Resource is not a persistent volume' };
  return convert(pools, volumes, volumes.map(withoutDiskInfo), 'DESTROY');
}
