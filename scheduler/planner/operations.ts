/**
 * Offer operations and the resources they name. The master applies an ACCEPT's operations in
 * order to what the offer holds, so the resources of each operation must be exactly what the
 * previous ones leave: RESERVE turns unreserved pieces into reserved ones, CREATE turns a reserved
 * disk into a volume, LAUNCH uses the result; DESTROY and UNRESERVE walk back the same way.
 */
import type { OfferOperation, Resource, TaskInfo } from '../../shared/mesos/index.js';
import { reservationLabels } from './resource-format.js';

export function reserveOperation(resources: readonly Resource[]): OfferOperation {
  return { type: 'RESERVE', reserve: { resources: [...resources] } };
}

export function createOperation(volumes: readonly Resource[]): OfferOperation {
  return { type: 'CREATE', create: { volumes: [...volumes] } };
}

export function launchOperation(task: TaskInfo): OfferOperation {
  return { type: 'LAUNCH', launch: { task_infos: [task] } };
}

export function destroyOperation(volumes: readonly Resource[]): OfferOperation {
  return { type: 'DESTROY', destroy: { volumes: [...volumes] } };
}

export function unreserveOperation(resources: readonly Resource[]): OfferOperation {
  return { type: 'UNRESERVE', unreserve: { resources: [...resources] } };
}

export interface ReservationOwner {
  readonly job: string;
  readonly container: string;
  readonly role: string;
  readonly principal: string;
}

/** An unreserved piece as it is after RESERVE: one dynamic reservation, labelled with its owner and id. */
export function reserved(resource: Resource, owner: ReservationOwner, resourceId: string): Resource {
  return {
    ...resource,
    reservations: [
      {
        type: 'DYNAMIC',
        role: owner.role,
        principal: owner.principal,
        labels: reservationLabels(owner.job, owner.container, resourceId),
      },
    ],
  };
}

/** A reserved root-disk piece as it is after CREATE. The path is relative: Mesos mounts it in the sandbox. */
export function asVolume(resource: Resource, persistenceId: string, principal: string, containerPath: string): Resource {
  return {
    ...resource,
    disk: { persistence: { id: persistenceId, principal }, volume: { container_path: containerPath, mode: 'RW' } },
  };
}

/** A volume as it is after DESTROY: Mesos clears the disk info of a root-disk volume (Resources::apply). */
export function withoutVolume(resource: Resource): Resource {
  const { disk: _volume, ...rest } = resource;
  return rest;
}
