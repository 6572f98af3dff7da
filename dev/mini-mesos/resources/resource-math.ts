/**
 * Resource arithmetic in the spirit of Mesos's `Resources` class (src/common/resources.cpp):
 * two resources combine when everything but the quantity matches (name, type, reservation stack,
 * disk persistence and volume); scalars add with Mesos's fixed-point precision of 0.001, ranges
 * merge, sets unite. Lists handled here are in our internal form: post-refinement
 * (`reservations`, see resource-format.ts) and without allocation_info.
 */
import type { Resource, ResourceReservationInfo, ValueRange } from '../../../shared/mesos/index.js';

/** Everything that makes two resources distinct besides their quantity. */
export function resourceKey(resource: Resource): string {
  return JSON.stringify([
    resource.name,
    resource.type,
    (resource.reservations ?? []).map(reservationKey),
    resource.disk?.persistence?.id ?? null,
    resource.disk?.volume?.container_path ?? null,
  ]);
}

function reservationKey(reservation: ResourceReservationInfo): unknown[] {
  const labels = (reservation.labels?.labels ?? []).map((label) => [label.key, label.value ?? null]);
  return [reservation.type ?? 'DYNAMIC', reservation.role ?? '*', reservation.principal ?? null, labels];
}

/** Mesos keeps scalars as fixed-point with three decimals (Value::Scalar arithmetic). */
export function roundScalar(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Sorted, merged, adjacent ranges joined: [1-3],[4-5] is [1-5] as in Mesos's coalesce. */
export function coalesceRanges(ranges: ValueRange[]): ValueRange[] {
  const sorted = ranges.map((r) => ({ begin: r.begin, end: r.end })).sort((a, b) => a.begin - b.begin);
  const out: ValueRange[] = [];
  for (const range of sorted) {
    const last = out.at(-1);
    if (last !== undefined && range.begin <= last.end + 1) last.end = Math.max(last.end, range.end);
    else out.push(range);
  }
  return out;
}

function subtractRanges(from: ValueRange[], take: ValueRange[]): ValueRange[] {
  let current = coalesceRanges(from);
  for (const cut of take) {
    current = current.flatMap((range) => {
      if (cut.end < range.begin || cut.begin > range.end) return [range];
      const pieces: ValueRange[] = [];
      if (cut.begin > range.begin) pieces.push({ begin: range.begin, end: cut.begin - 1 });
      if (cut.end < range.end) pieces.push({ begin: cut.end + 1, end: range.end });
      return pieces;
    });
  }
  return current;
}

function rangesContain(outer: ValueRange[], inner: ValueRange[]): boolean {
  return inner.every((range) => outer.some((o) => o.begin <= range.begin && range.end <= o.end));
}

function isEmptyResource(resource: Resource): boolean {
  switch (resource.type) {
    case 'SCALAR':
      return roundScalar(resource.scalar?.value ?? 0) <= 0;
    case 'RANGES':
      return (resource.ranges?.range ?? []).length === 0;
    case 'SET':
      return (resource.set?.item ?? []).length === 0;
    default:
      return true;
  }
}

/** A copy with its quantity in canonical form (rounded scalar, coalesced ranges, unique items). */
function canonical(resource: Resource): Resource {
  switch (resource.type) {
    case 'SCALAR':
      return { ...resource, scalar: { value: roundScalar(resource.scalar?.value ?? 0) } };
    case 'RANGES':
      return { ...resource, ranges: { range: coalesceRanges(resource.ranges?.range ?? []) } };
    case 'SET':
      return { ...resource, set: { item: [...new Set(resource.set?.item ?? [])] } };
    default:
      return { ...resource };
  }
}

function combine(a: Resource, b: Resource, sign: 1 | -1): Resource {
  switch (a.type) {
    case 'SCALAR':
      return { ...a, scalar: { value: roundScalar((a.scalar?.value ?? 0) + sign * (b.scalar?.value ?? 0)) } };
    case 'RANGES': {
      const left = a.ranges?.range ?? [];
      const right = b.ranges?.range ?? [];
      return { ...a, ranges: { range: sign === 1 ? coalesceRanges([...left, ...right]) : subtractRanges(left, right) } };
    }
    case 'SET': {
      const right = new Set(b.set?.item ?? []);
      const left = a.set?.item ?? [];
      const items = sign === 1 ? [...new Set([...left, ...right])] : left.filter((item) => !right.has(item));
      return { ...a, set: { item: items } };
    }
    default:
      return a;
  }
}

/** a + b, merged, empty resources dropped. */
export function addResources(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const merged = new Map<string, Resource>();
  for (const resource of [...a, ...b]) {
    const key = resourceKey(resource);
    const existing = merged.get(key);
    merged.set(key, existing === undefined ? canonical(resource) : combine(existing, resource, 1));
  }
  return [...merged.values()].filter((resource) => !isEmptyResource(resource));
}

/** a - b; what b has beyond a is ignored (callers check `containsResources` first). */
export function subtractResources(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const left = new Map(addResources(a, []).map((resource) => [resourceKey(resource), resource]));
  for (const resource of addResources(b, [])) {
    const key = resourceKey(resource);
    const existing = left.get(key);
    if (existing !== undefined) left.set(key, combine(existing, resource, -1));
  }
  return [...left.values()].filter((resource) => !isEmptyResource(resource));
}

/** True if `outer` holds at least everything in `inner`. */
export function containsResources(outer: readonly Resource[], inner: readonly Resource[]): boolean {
  const have = new Map(addResources(outer, []).map((resource) => [resourceKey(resource), resource]));
  return addResources(inner, []).every((resource) => {
    const mine = have.get(resourceKey(resource));
    if (mine === undefined) return false;
    switch (resource.type) {
      case 'SCALAR':
        return roundScalar((mine.scalar?.value ?? 0) - (resource.scalar?.value ?? 0)) >= 0;
      case 'RANGES':
        return rangesContain(coalesceRanges(mine.ranges?.range ?? []), resource.ranges?.range ?? []);
      case 'SET': {
        const items = new Set(mine.set?.item ?? []);
        return (resource.set?.item ?? []).every((item) => items.has(item));
      }
      default:
        return false;
    }
  });
}

/** The role a resource is reserved to (the innermost reservation), or "*" if unreserved. */
export function reservedRole(resource: Resource): string {
  return resource.reservations?.at(-1)?.role ?? '*';
}

export function isReserved(resource: Resource): boolean {
  return (resource.reservations ?? []).length > 0;
}

export function isPersistentVolume(resource: Resource): boolean {
  return resource.disk?.persistence !== undefined;
}

/** The resource with its innermost reservation removed (Resources::popReservation). */
export function popReservation(resource: Resource): Resource {
  const reservations = (resource.reservations ?? []).slice(0, -1);
  const { reservations: _dropped, ...rest } = resource;
  return reservations.length > 0 ? { ...rest, reservations } : rest;
}

/** The resource without its disk info: what a volume is carved from, and returns to on DESTROY. */
export function withoutDiskInfo(resource: Resource): Resource {
  const { disk: _disk, ...rest } = resource;
  return rest;
}

export function scalarOf(resources: readonly Resource[], name: string): number {
  return roundScalar(resources.filter((r) => r.name === name && r.type === 'SCALAR').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0));
}
