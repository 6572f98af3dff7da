/**
 * Resources stage: does what is left of the offer hold the container's cpus, mem, disk and ports,
 * and which concrete pieces does it take? For a new reservation it also recommends RESERVE then
 * CREATE on exactly those pieces, as dcos-commons' resource and volume stages do; ports stay
 * unreserved, since a relaunch may take any free ones.
 */
import type { Offer, Resource } from '../../../shared/mesos/index.js';
import type { ContainerContext, PlanContext } from '../context.js';
import { asVolume, createOperation, reserved, reserveOperation } from '../operations.js';
import { fail, pass, type Outcome } from '../outcome.js';
import { innermostReservation, isFree, isRootDisk } from '../resource-format.js';
import { pickPorts, portNumbers, scalarOf, subtractResources, sumScalar, takeScalar, withScalar } from '../resource-math.js';
import type { ContainerReservation } from '../snapshot.js';
import type { ResourceSource } from './reservation-match.js';

export interface Claim {
  /** The pieces of the offer the container takes, as offered: the accounting debits exactly these. */
  readonly taken: readonly Resource[];
  /** What the task launches with: `taken` after RESERVE and CREATE. */
  readonly task: readonly Resource[];
  /** The container's reservation after the ACCEPT; undefined with host-dir storage. */
  readonly reservation: ContainerReservation | undefined;
}

export interface FitResult {
  readonly outcome: Outcome;
  readonly claim: Claim | undefined;
}

/** Collects every shortfall, so one reason names all of them. */
class Taker {
  readonly short: string[] = [];

  scalar(candidates: readonly Resource[], name: string, amount: number, unit = ''): Resource[] {
    const pieces = takeScalar(candidates, name, amount);
    if (pieces !== undefined) return pieces;
    this.short.push(`${name} ${sumScalar(candidates, name)}${unit} of ${amount}${unit}`);
    return [];
  }

  ports(candidates: readonly Resource[], count: number): Resource[] {
    const pieces = pickPorts(candidates, count);
    if (pieces !== undefined) return pieces;
    this.short.push(`${portNumbers(candidates).length} of ${count} ports`);
    return [];
  }
}

/** `cpus 1, mem 1024 MB, volume 1024 MB, ports 31000,31001` — what a task gets, for reasons. */
function summary(task: readonly Resource[]): string {
  const parts = [`cpus ${sumScalar(task, 'cpus')}`, `mem ${sumScalar(task, 'mem')} MB`];
  const scratch = sumScalar(
    task.filter((r) => r.disk === undefined),
    'disk',
  );
  if (scratch > 0) parts.push(`disk ${scratch} MB`);
  const volume = sumScalar(
    task.filter((r) => r.disk?.persistence !== undefined),
    'disk',
  );
  if (volume > 0) parts.push(`volume ${volume} MB`);
  const ports = portNumbers(task);
  if (ports.length > 0) parts.push(`ports ${ports.join(',')}`);
  return parts.join(', ');
}

function misfit(taker: Taker): FitResult {
  return { outcome: fail('resources', `does not fit: ${taker.short.join(', ')}`), claim: undefined };
}

/** A relaunch on the container's own reservation (the reservation stage checked it covers the ask), plus fresh ports. */
function fitReserved(mine: readonly Resource[], ports: Resource[], taker: Taker, container: ContainerContext): FitResult {
  if (taker.short.length > 0) return misfit(taker);
  // The task takes the whole reservation: a labelled remainder would look like a half-offered reservation.
  const task = [...mine, ...ports];
  return {
    outcome: pass('resources', `launches on its reservation: ${summary(task)}`),
    claim: { taken: task, task, reservation: container.reservation },
  };
}

/** Host-dir storage: plain pieces of the free resources, nothing reserved. */
function fitUnreserved(free: readonly Resource[], ports: Resource[], taker: Taker, plan: PlanContext): FitResult {
  const want = plan.resources;
  let pool = free;
  const take = (name: string, amount: number, unit: string): Resource[] => {
    const pieces = taker.scalar(
      pool.filter((r) => name !== 'disk' || isRootDisk(r)),
      name,
      amount,
      unit,
    );
    pool = subtractResources(pool, pieces);
    return pieces;
  };
  const taken = [...take('cpus', want.cpus, ''), ...take('mem', want.memMb, ' MB'), ...take('disk', want.diskMb, ' MB'), ...ports];
  if (taker.short.length > 0) return misfit(taker);
  return { outcome: pass('resources', `takes ${summary(taken)}`), claim: { taken, task: taken, reservation: undefined } };
}

type NewReservation = Extract<ResourceSource, { kind: 'new-reservation' }>;

/** RESERVE unreserved pieces for the container, CREATE its volume on one of them, launch on the result. */
function fitNew(
  source: NewReservation,
  usable: readonly Resource[],
  ports: Resource[],
  taker: Taker,
  container: ContainerContext,
  offer: Offer,
  plan: PlanContext,
): FitResult {
  const { ids, sizeMb, containerPath } = source;
  const want = plan.resources;
  // Only unreserved resources can be dynamically reserved (a reserved one would need refinement).
  let pool = usable.filter((r) => innermostReservation(r) === undefined);
  const take = (name: string, amount: number, unit: string): Resource[] => {
    const pieces = taker.scalar(
      pool.filter((r) => name !== 'disk' || isRootDisk(r)),
      name,
      amount,
      unit,
    );
    pool = subtractResources(pool, pieces);
    return pieces;
  };
  const cpus = take('cpus', want.cpus, '');
  const mem = take('mem', want.memMb, ' MB');
  // A volume is one resource, so it is carved from one disk resource that holds it whole.
  const disk = pool.find((r) => isRootDisk(r) && scalarOf(r) >= sizeMb);
  if (disk === undefined) taker.short.push(`no disk resource holds the ${sizeMb} MB volume`);
  else pool = subtractResources(pool, [withScalar(disk, sizeMb)]);
  const scratch = take('disk', want.diskMb, ' MB');
  if (taker.short.length > 0 || disk === undefined) return misfit(taker);

  const owner = { job: plan.job, container: container.id, role: plan.framework.role, principal: plan.framework.principal };
  const volumeDisk = reserved(withScalar(disk, sizeMb), owner, ids.volume);
  const others = [
    ...cpus.map((r) => reserved(r, owner, ids.cpus)),
    ...mem.map((r) => reserved(r, owner, ids.mem)),
    ...scratch.map((r) => reserved(r, owner, ids.disk)),
  ];
  const volume = asVolume(volumeDisk, ids.persistenceId, plan.framework.principal, containerPath);
  const task = [...others, volume, ...ports];
  const reservation: ContainerReservation = {
    agentId: offer.agent_id.value,
    hostname: offer.hostname,
    resourceIds: [ids.cpus, ids.mem, ...(scratch.length > 0 ? [ids.disk] : []), ids.volume],
    persistenceId: ids.persistenceId,
  };
  const taken = [...cpus, ...mem, ...scratch, withScalar(disk, sizeMb), ...ports];
  const reason = `reserves and takes ${summary(task)}; volume ${ids.persistenceId} at '${containerPath}'`;
  const operations = [reserveOperation([...others, volumeDisk]), createOperation([volume])];
  return { outcome: pass('resources', reason, operations), claim: { taken, task, reservation } };
}

export function evaluateFit(
  container: ContainerContext,
  source: ResourceSource,
  usable: readonly Resource[],
  offer: Offer,
  plan: PlanContext,
): FitResult {
  // Static reservations for our role first: they are ours alone, unlike `*`, which other frameworks could use.
  const free = usable
    .filter(isFree)
    .sort((a, b) => Number(innermostReservation(a) === undefined) - Number(innermostReservation(b) === undefined));
  const taker = new Taker();
  const ports = taker.ports(free, plan.resources.ports);
  if (source.kind === 'reserved') return fitReserved(source.resources, ports, taker, container);
  if (source.kind === 'unreserved') return fitUnreserved(free, ports, taker, plan);
  return fitNew(source, usable, ports, taker, container, offer, plan);
}
