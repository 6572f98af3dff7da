/**
 * Reading offered resources and labelling ours. A master sends frameworks without the
 * RESERVATION_REFINEMENT capability the pre-refinement format (`role` + `reservation`); with it,
 * the `reservations` stack. The planner turns every offer into the post-refinement form once and
 * emits only that form: the master accepts it from any framework as long as a resource carries a
 * single reservation (master.cpp validateAndUpgradeResources), and one form avoids mixing both
 * in one operation, which Mesos refuses.
 */
import type { Label, Labels, Offer, Resource, ResourceReservationInfo } from '../../shared/mesos/index.js';

/** dcos-commons labels each reserved resource with `resource_id`; we add who it belongs to. */
export const RESOURCE_ID_LABEL = 'resource_id';
export const CONTAINER_LABEL = 'sluice_container';
/** Several Sluice jobs may share a role: without the job, one job's cleanup would destroy another's volumes. */
export const JOB_LABEL = 'sluice_job';

export function toPostRefinement(resource: Resource): Resource {
  const { role, reservation, reservations, ...rest } = resource;
  if (reservations !== undefined && reservations.length > 0) return { ...rest, reservations };
  if (role === undefined || role === '*') return rest;
  // Pre-refinement: a `role` without `reservation` is a static reservation (mesos.proto, Resource.role).
  const info: ResourceReservationInfo =
    reservation === undefined
      ? { type: 'STATIC', role }
      : {
          type: 'DYNAMIC',
          role,
          ...(reservation.principal === undefined ? {} : { principal: reservation.principal }),
          ...(reservation.labels === undefined ? {} : { labels: reservation.labels }),
        };
  return { ...rest, reservations: [info] };
}

export function normalizeOffer(offer: Offer): Offer {
  return { ...offer, resources: (offer.resources ?? []).map(toPostRefinement) };
}

/** The innermost (most refined) reservation of a post-refinement resource. */
export function innermostReservation(resource: Resource): ResourceReservationInfo | undefined {
  return resource.reservations?.at(-1);
}

/** The role a post-refinement resource is reserved for, or `*` when unreserved. */
export function reservedRole(resource: Resource): string {
  return innermostReservation(resource)?.role ?? '*';
}

function labelValue(labels: Labels | undefined, key: string): string | undefined {
  return labels?.labels?.find((label) => label.key === key)?.value;
}

/** Who a reserved resource belongs to, if this job reserved it dynamically. */
export interface ResourceOwner {
  readonly container: string;
  readonly resourceId: string;
}

export function ownerOf(resource: Resource, job: string): ResourceOwner | undefined {
  const reservation = innermostReservation(resource);
  if (reservation === undefined || reservation.type === 'STATIC') return undefined;
  if (labelValue(reservation.labels, JOB_LABEL) !== job) return undefined;
  const container = labelValue(reservation.labels, CONTAINER_LABEL);
  const resourceId = labelValue(reservation.labels, RESOURCE_ID_LABEL);
  return container === undefined || resourceId === undefined ? undefined : { container, resourceId };
}

export function reservationLabels(job: string, container: string, resourceId: string): Labels {
  const labels: Label[] = [
    { key: JOB_LABEL, value: job },
    { key: CONTAINER_LABEL, value: container },
    { key: RESOURCE_ID_LABEL, value: resourceId },
  ];
  return { labels };
}

/**
 * Free for any launch of ours: unreserved, or statically reserved for our role by the operator.
 * Dynamic reservations without our labels belong to someone else in the role and are left alone.
 */
export function isFree(resource: Resource): boolean {
  const reservation = innermostReservation(resource);
  return reservation === undefined || reservation.type === 'STATIC';
}

/** Plain disk, neither a volume nor a disk with other disk info: what sandbox disk and new volumes are carved from. */
export function isRootDisk(resource: Resource): boolean {
  return resource.name === 'disk' && resource.disk === undefined;
}

/** A short form for reasons: `cpus(*):2`, `mem(sluice):512`, `ports(*):[31000-31002]`. */
export function describeResource(resource: Resource): string {
  const quantity =
    resource.type === 'RANGES'
      ? `[${(resource.ranges?.range ?? []).map((r) => (r.begin === r.end ? `${r.begin}` : `${r.begin}-${r.end}`)).join(',')}]`
      : String(resource.scalar?.value ?? 0);
  const volume = resource.disk?.persistence === undefined ? '' : `[volume ${resource.disk.persistence.id}]`;
  return `${resource.name}(${reservedRole(resource)})${volume}:${quantity}`;
}
