/**
 * TypeScript shapes of the resource and offer messages of proto/mesos.proto (Value, Attribute,
 * Resource, Volume, Offer, Offer.Operation). Conventions: see common.ts.
 */
import type { AgentID, ExecutorID, FrameworkID, Labels, OfferID } from './common.js';
import type { ExecutorInfo, TaskGroupInfo, TaskInfo } from './tasks.js';

export const VALUE_TYPES = ['SCALAR', 'RANGES', 'SET', 'TEXT'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];
export interface ValueScalar {
  value: number;
}
export interface ValueRange {
  begin: number;
  end: number;
}
export interface ValueRanges {
  range?: ValueRange[];
}
export interface ValueSet {
  item?: string[];
}
export interface ValueText {
  value: string;
}

export interface Value {
  type: ValueType;
  scalar?: ValueScalar;
  ranges?: ValueRanges;
  set?: ValueSet;
  text?: ValueText;
}

export interface Attribute {
  name: string;
  type: ValueType;
  scalar?: ValueScalar;
  ranges?: ValueRanges;
  set?: ValueSet;
  text?: ValueText;
}

export interface ResourceAllocationInfo {
  role?: string;
}

export const RESOURCE_RESERVATION_INFO_TYPES = ['UNKNOWN', 'STATIC', 'DYNAMIC'] as const;
export type ResourceReservationInfoType = (typeof RESOURCE_RESERVATION_INFO_TYPES)[number];
export interface ResourceReservationInfo {
  type?: ResourceReservationInfoType;
  role?: string;
  principal?: string;
  labels?: Labels;
}

export const VOLUME_MODES = ['RW', 'RO'] as const;
export type VolumeMode = (typeof VOLUME_MODES)[number];
export interface Volume {
  mode: VolumeMode;
  container_path: string;
  host_path?: string;
}

export interface ResourceDiskInfoPersistence {
  id: string;
  principal?: string;
}
export interface ResourceDiskInfo {
  persistence?: ResourceDiskInfoPersistence;
  volume?: Volume;
}

/** Mesos measures mem and disk in MB and cpus in cores. */
export interface Resource {
  name: string;
  type: ValueType;
  scalar?: ValueScalar;
  ranges?: ValueRanges;
  set?: ValueSet;
  /**
   * @deprecated the pre-refinement format, which a master still sends to frameworks without
   * RESERVATION_REFINEMENT (with `reservation`). Mesos default: "*".
   */
  role?: string;
  allocation_info?: ResourceAllocationInfo;
  /** @deprecated pre-refinement format; see `role`. */
  reservation?: ResourceReservationInfo;
  /** The reservation stack, innermost (most refined) last. */
  reservations?: ResourceReservationInfo[];
  disk?: ResourceDiskInfo;
}

export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  resources?: Resource[];
  attributes?: Attribute[];
  executor_ids?: ExecutorID[];
  allocation_info?: ResourceAllocationInfo;
}

export const OFFER_OPERATION_TYPES = ['UNKNOWN', 'LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY'] as const;
export type OfferOperationType = (typeof OFFER_OPERATION_TYPES)[number];
export interface OfferOperationLaunch {
  task_infos?: TaskInfo[];
}
export interface OfferOperationLaunchGroup {
  executor: ExecutorInfo;
  task_group: TaskGroupInfo;
}
export interface OfferOperationReserve {
  resources?: Resource[];
}
export interface OfferOperationUnreserve {
  resources?: Resource[];
}
export interface OfferOperationCreate {
  volumes?: Resource[];
}
export interface OfferOperationDestroy {
  volumes?: Resource[];
}

/** One step of an ACCEPT; the body matching `type` is set. */
export interface OfferOperation {
  type?: OfferOperationType;
  launch?: OfferOperationLaunch;
  launch_group?: OfferOperationLaunchGroup;
  reserve?: OfferOperationReserve;
  unreserve?: OfferOperationUnreserve;
  create?: OfferOperationCreate;
  destroy?: OfferOperationDestroy;
}
