/**
 * TypeScript shapes of the mesos.v1 messages in proto/mesos.proto (identity, framework, master,
 * agent, command). They are Mesos's JSON form: snake_case names, enums as names, bytes as
 * Uint8Array (base64 in JSON), 64-bit integers as numbers. A nested proto message is named by
 * joining the names (FrameworkInfo.Capability → FrameworkInfoCapability). Optional proto fields
 * are optional here; Mesos's defaults are not filled in by decoding (see the comments).
 */
import type { Attribute, Resource } from './resources.js';

export interface FrameworkID {
  value: string;
}
export interface OfferID {
  value: string;
}
export interface AgentID {
  value: string;
}
export interface TaskID {
  value: string;
}
export interface ExecutorID {
  value: string;
}
export interface ContainerID {
  value: string;
  parent?: ContainerID;
}

export interface TimeInfo {
  nanoseconds: number;
}
export interface DurationInfo {
  nanoseconds: number;
}

export interface Address {
  hostname?: string;
  ip?: string;
  port: number;
}

export interface Label {
  key: string;
  value?: string;
}
export interface Labels {
  labels?: Label[];
}

export const FRAMEWORK_INFO_CAPABILITY_TYPES = [
  'UNKNOWN',
  'REVOCABLE_RESOURCES',
  'TASK_KILLING_STATE',
  'GPU_RESOURCES',
  'SHARED_RESOURCES',
  'PARTITION_AWARE',
  'MULTI_ROLE',
  'RESERVATION_REFINEMENT',
  'REGION_AWARE',
] as const;
export type FrameworkInfoCapabilityType = (typeof FRAMEWORK_INFO_CAPABILITY_TYPES)[number];
export interface FrameworkInfoCapability {
  type?: FrameworkInfoCapabilityType;
}

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  /** Seconds the master keeps our tasks after the scheduler disconnects. Mesos default: 0. */
  failover_timeout?: number;
  /** Mesos default: false. */
  checkpoint?: boolean;
  /** @deprecated pre-MULTI_ROLE; use `roles`. Mesos default: "*". */
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: FrameworkInfoCapability[];
  labels?: Labels;
}

export interface MasterInfo {
  id: string;
  /** IPv4 packed in network byte order; `address` is easier to use. */
  ip: number;
  /** Mesos default: 5050. */
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: Address;
}

export interface AgentInfo {
  hostname: string;
  /** Mesos default: 5051. */
  port?: number;
  resources?: Resource[];
  attributes?: Attribute[];
  id?: AgentID;
}

export interface KillPolicy {
  grace_period?: DurationInfo;
}

export interface Filters {
  /** Mesos default: 5 s; negative means the default; at most one year. */
  refuse_seconds?: number;
}

export const ENVIRONMENT_VARIABLE_TYPES = ['UNKNOWN', 'VALUE', 'SECRET'] as const;
export type EnvironmentVariableType = (typeof ENVIRONMENT_VARIABLE_TYPES)[number];
export interface EnvironmentVariable {
  name: string;
  /** Mesos default: VALUE. */
  type?: EnvironmentVariableType;
  value?: string;
}
export interface Environment {
  variables?: EnvironmentVariable[];
}

export interface CommandInfoURI {
  value: string;
  executable?: boolean;
  /** Mesos default: true (archives are unpacked into the sandbox). */
  extract?: boolean;
  cache?: boolean;
  output_file?: string;
}

export interface CommandInfo {
  uris?: CommandInfoURI[];
  environment?: Environment;
  /** Mesos default: true, i.e. `/bin/sh -c value`; false runs `value` with `arguments`. */
  shell?: boolean;
  value?: string;
  arguments?: string[];
  user?: string;
}
