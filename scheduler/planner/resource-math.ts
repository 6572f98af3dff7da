/**
 * Arithmetic on post-refinement resource lists, the way Mesos's `Resources` class counts them:
 * two resources are the same kind when everything but the quantity matches; scalars are
 * fixed-point with three decimals (Value::Scalar), ranges are sets of integers.
 */
import type { Resource, ValueRange } from '../../shared/mesos/index.js';

function roundScalar(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * Everything that makes two resources distinct besides their quantity. SET resources
 * (rare, never asked for by the planner) keep their value in the key, so they never merge.
 */
function resourceKey(resource: Resource): string {
  const counted = resource.type === 'SCALAR' || resource.type === 'RANGES';
  return JSON.stringify([
    resource.name,
    resource.type,
    resource.reservations ?? [],
    resource.disk ?? null,
    resource.allocation_info?.role ?? null,
    counted ? null : (resource.set ?? null),
  ]);
}

export function scalarOf(resource: Resource): number {
  return resource.scalar?.value ?? 0;
}

export function sumScalar(resources: readonly Resource[], name: string): number {
  return roundScalar(resources.filter((r) => r.name === name && r.type === 'SCALAR').reduce((sum, r) => sum + scalarOf(r), 0));
}

export function withScalar(resource: Resource, value: number): Resource {
  return { ...resource, scalar: { value: roundScalar(value) } };
}

function rangesOf(resource: Resource): ValueRange[] {
  return resource.ranges?.range ?? [];
}

/** Sorted, overlapping and adjacent ranges joined. */
function coalesceRanges(ranges: readonly ValueRange[]): ValueRange[] {
  const sorted = ranges.map((r) => ({ begin: r.begin, end: r.end })).sort((a, b) => a.begin - b.begin);
  const out: ValueRange[] = [];
  for (const range of sorted) {
    const last = out.at(-1);
    if (last !== undefined && range.begin <= last.end + 1) last.end = Math.max(last.end, range.end);
    else out.push(range);
  }
  return out;
}

function subtractRanges(from: readonly ValueRange[], cuts: readonly ValueRange[]): ValueRange[] {
  let current = coalesceRanges(from);
  for (const cut of cuts) {
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

function rangesContain(outer: readonly ValueRange[], inner: readonly ValueRange[]): boolean {
  const merged = coalesceRanges(outer);
  return inner.every((range) => merged.some((o) => o.begin <= range.begin && range.end <= o.end));
}

export function countRanges(ranges: readonly ValueRange[]): number {
  return coalesceRanges(ranges).reduce((sum, r) => sum + (r.end - r.begin + 1), 0);
}

/** The list with same-kind resources merged and empty ones dropped; order of first appearance kept. */
export function mergeResources(resources: readonly Resource[]): Resource[] {
  const merged = new Map<string, Resource>();
  for (const resource of resources) {
    const key = resourceKey(resource);
    const seen = merged.get(key);
    if (seen === undefined) merged.set(key, resource);
    else if (resource.type === 'SCALAR') merged.set(key, withScalar(seen, scalarOf(seen) + scalarOf(resource)));
    else if (resource.type === 'RANGES')
      merged.set(key, { ...seen, ranges: { range: coalesceRanges([...rangesOf(seen), ...rangesOf(resource)]) } });
  }
  return [...merged.values()].filter((r) => !isEmpty(r));
}

function isEmpty(resource: Resource): boolean {
  if (resource.type === 'SCALAR') return roundScalar(scalarOf(resource)) <= 0;
  if (resource.type === 'RANGES') return rangesOf(resource).length === 0;
  return false;
}

/** True when `pool` holds at least all of `claim`. */
export function containsResources(pool: readonly Resource[], claim: readonly Resource[]): boolean {
  const have = new Map(mergeResources(pool).map((r) => [resourceKey(r), r]));
  return mergeResources(claim).every((wanted) => {
    const mine = have.get(resourceKey(wanted));
    if (mine === undefined) return false;
    if (wanted.type === 'SCALAR') return roundScalar(scalarOf(mine) - scalarOf(wanted)) >= 0;
    if (wanted.type === 'RANGES') return rangesContain(rangesOf(mine), rangesOf(wanted));
    return false;
  });
}

/** `pool` minus `claim`, in the pool's order; callers check `containsResources` first. */
export function subtractResources(pool: readonly Resource[], claim: readonly Resource[]): Resource[] {
  const cuts = new Map(mergeResources(claim).map((r) => [resourceKey(r), r]));
  return mergeResources(pool)
    .map((resource) => {
      const cut = cuts.get(resourceKey(resource));
      if (cut === undefined) return resource;
      if (resource.type === 'SCALAR') return withScalar(resource, scalarOf(resource) - scalarOf(cut));
      return { ...resource, ranges: { range: subtractRanges(rangesOf(resource), rangesOf(cut)) } };
    })
    .filter((r) => !isEmpty(r));
}

/**
 * `amount` of scalar `name` taken from `candidates` in their order, as pieces of the candidates
 * (so each piece keeps its reservation and allocation), or undefined if they hold less.
 */
export function takeScalar(candidates: readonly Resource[], name: string, amount: number): Resource[] | undefined {
  const pieces: Resource[] = [];
  let left = roundScalar(amount);
  for (const resource of candidates) {
    if (left <= 0) break;
    if (resource.name !== name || resource.type !== 'SCALAR') continue;
    const piece = Math.min(left, roundScalar(scalarOf(resource)));
    if (piece <= 0) continue;
    pieces.push(withScalar(resource, piece));
    left = roundScalar(left - piece);
  }
  return left <= 0 ? pieces : undefined;
}

/**
 * The lowest `count` ports of the candidates' ranges, as pieces of the candidates. Marathon
 * shuffles its picks over the range; lowest-first keeps the planner free of randomness, and the
 * same input always gives the same ports.
 */
export function pickPorts(candidates: readonly Resource[], count: number): Resource[] | undefined {
  const pieces: Resource[] = [];
  let left = count;
  for (const resource of candidates) {
    if (left <= 0) break;
    if (resource.name !== 'ports' || resource.type !== 'RANGES') continue;
    const picked: ValueRange[] = [];
    for (const range of coalesceRanges(rangesOf(resource))) {
      if (left <= 0) break;
      const take = Math.min(left, range.end - range.begin + 1);
      picked.push({ begin: range.begin, end: range.begin + take - 1 });
      left -= take;
    }
    if (picked.length > 0) pieces.push({ ...resource, ranges: { range: picked } });
  }
  return left <= 0 ? pieces : undefined;
}

/** Every port number in the RANGES resources named `ports`, ascending. */
export function portNumbers(resources: readonly Resource[]): number[] {
  const ranges = coalesceRanges(resources.filter((r) => r.name === 'ports' && r.type === 'RANGES').flatMap(rangesOf));
  return ranges.flatMap((r) => Array.from({ length: r.end - r.begin + 1 }, (_, i) => r.begin + i));
}
