/**
 * Builders for planner tests: offers shaped like a Mesos master's (post-refinement, with
 * allocation_info), reservations labelled as the planner labels them, and a snapshot with defaults.
 */
import type { Offer, Resource, ResourceReservationInfo } from '../../../../shared/mesos/index.js';
import type { JobModel } from '../../../../shared/model/job-model.js';
import type { ContainerContext, PlanContext } from '../../../../scheduler/planner/context.js';
import { reservationLabels } from '../../../../scheduler/planner/resource-format.js';
import {
  DEFAULT_PLANNER_TIMINGS,
  type ContainerReservation,
  type ContainerState,
  type FailureCause,
  type PlannerSnapshot,
} from '../../../../scheduler/planner/snapshot.js';

export const JOB = 'wordcount';
export const ROLE = 'sluice';
export const PRINCIPAL = 'sluice-principal';
export const FRAMEWORK_ID = 'master-0000';
export const NOW = 1_700_000_000_000;

export const LAUNCH = {
  bundleUri: 'http://repo/wordcount.tar.gz',
  executorCommand: 'node sluice/dist/bin/sluice.js executor',
  jobConfig: 'sluice/examples/word-count/job.yaml',
  zookeeper: 'zk1:2181',
  kafkaBrokers: ['kafka1:9092'],
} as const;

export const SETTINGS = { ...DEFAULT_PLANNER_TIMINGS, launch: LAUNCH };

export function jobModel(ids: readonly string[], version = 3): JobModel {
  return {
    job: JOB,
    version,
    containers: ids.map((id, i) => ({
      id,
      tasks: [{ name: `Partition ${i}`, ssps: [{ system: 'kafka', topic: 'words', partition: i }], changelogPartition: i }],
    })),
  };
}

/** As offered to our role by a Mesos ≥ 1.2 master. */
const allocated = { allocation_info: { role: ROLE } };

export function scalar(name: string, value: number, reservations?: ResourceReservationInfo[]): Resource {
  return { name, type: 'SCALAR', scalar: { value }, ...allocated, ...(reservations === undefined ? {} : { reservations }) };
}

export function ports(...ranges: [number, number][]): Resource {
  return { name: 'ports', type: 'RANGES', ranges: { range: ranges.map(([begin, end]) => ({ begin, end })) }, ...allocated };
}

/** Mesos's agent defaults (reference: cpus=1… here 4, mem, disk, ports [31000-32000]). */
export function agentResources(cpus = 4, mem = 4096, disk = 10240): Resource[] {
  return [scalar('cpus', cpus), scalar('mem', mem), scalar('disk', disk), ports([31000, 32000])];
}

export function offer(n: number, resources: Resource[] = agentResources(), hostname = `host-${n}`): Offer {
  return { id: { value: `O${n}` }, framework_id: { value: FRAMEWORK_ID }, agent_id: { value: `S${n}` }, hostname, resources, ...allocated };
}

export function dynamic(container: string, resourceId: string, job = JOB): ResourceReservationInfo[] {
  return [{ type: 'DYNAMIC', role: ROLE, principal: PRINCIPAL, labels: reservationLabels(job, container, resourceId) }];
}

/** What an agent offers back for a container's reservation made by the planner (ids `<c>-cpus`, …). */
export function reservedFor(container: string, opts: { cpus?: number; mem?: number; volume?: number; job?: string } = {}): Resource[] {
  const job = opts.job ?? JOB;
  const volume: Resource = {
    ...scalar('disk', opts.volume ?? 1024, dynamic(container, `${container}-volume`, job)),
    disk: { persistence: { id: `${container}-pv`, principal: PRINCIPAL }, volume: { container_path: 'state', mode: 'RW' } },
  };
  return [
    scalar('cpus', opts.cpus ?? 1, dynamic(container, `${container}-cpus`, job)),
    scalar('mem', opts.mem ?? 1024, dynamic(container, `${container}-mem`, job)),
    volume,
  ];
}

export function ledger(container: string, agent: number): ContainerReservation {
  return {
    agentId: `S${agent}`,
    hostname: `host-${agent}`,
    resourceIds: [`${container}-cpus`, `${container}-mem`, `${container}-volume`],
    persistenceId: `${container}-pv`,
  };
}

/** How an agent reports a task whose executor exited. */
export const EXITED: FailureCause = {
  state: 'TASK_FAILED',
  reason: 'REASON_EXECUTOR_TERMINATED',
  message: 'Executor terminated',
};

/** A container that failed `attempts` times in a row, the last `onAgent` of them on agent S`agent`, `ago` ms ago. */
export function failedOn(agent: number, attempts: number, onAgent: number, ago = 3_600_000): ContainerState {
  return {
    kind: 'failed',
    attempts,
    lastFailureAt: NOW - ago,
    last: { agentId: `S${agent}`, hostname: `host-${agent}`, onAgent, cause: EXITED },
  };
}

/** A uuid source that counts, so plans are repeatable: u1, u2, … */
export function counter(prefix = 'u'): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

export function snapshot(overrides: Partial<PlannerSnapshot> = {}): PlannerSnapshot {
  return {
    jobModel: jobModel(['0']),
    resources: { cpus: 1, memMb: 1024, diskMb: 0, ports: 1 },
    storage: { kind: 'persistent-volume', sizeMb: 1024, containerPath: 'state' },
    containers: new Map(),
    lastHosts: new Map(),
    reservations: new Map(),
    framework: { frameworkId: FRAMEWORK_ID, role: ROLE, principal: PRINCIPAL },
    offers: [offer(1)],
    offersSuppressed: false,
    now: NOW,
    newUuid: counter(),
    settings: SETTINGS,
    ...overrides,
  };
}

export function planContextOf(overrides: Partial<PlanContext> = {}): PlanContext {
  return {
    job: JOB,
    jobModelVersion: 3,
    framework: { frameworkId: FRAMEWORK_ID, role: ROLE, principal: PRINCIPAL },
    resources: { cpus: 1, memMb: 1024, diskMb: 0, ports: 1 },
    storage: { kind: 'persistent-volume', sizeMb: 1024, containerPath: 'state' },
    settings: SETTINGS,
    now: NOW,
    ...overrides,
  };
}

export function containerOf(overrides: Partial<ContainerContext> = {}): ContainerContext {
  return {
    id: '0',
    failures: 0,
    readyAt: Number.NEGATIVE_INFINITY,
    preferredHost: undefined,
    waitUntil: Number.NEGATIVE_INFINITY,
    reservation: undefined,
    avoid: undefined,
    avoidUntil: Number.NEGATIVE_INFINITY,
    givenUp: undefined,
    attemptId: 'attempt-1',
    newReservationIds: { cpus: 'r-cpus', mem: 'r-mem', disk: 'r-disk', volume: 'r-volume', persistenceId: 'pv-1' },
    ...overrides,
  };
}
