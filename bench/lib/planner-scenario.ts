/**
 * The planning situations of `bench:planner`: a job of `tasks` tasks in `containers` containers,
 * offers from `agents` agents of a large cluster (8 cpus, 32 GB, 100 GB disk, 1,001 ports each),
 * containers of 1 cpu, 2 GB and a 1 GB persistent volume, as a job with local state asks.
 */
import type { Offer } from '../../shared/mesos/index.js';
import type { JobModel } from '../../shared/model/job-model.js';
import { planJobModel } from '../../shared/model/plan-job-model.js';
import { DEFAULT_PLANNER_TIMINGS, type ContainerState, type PlannerSnapshot } from '../../scheduler/planner/index.js';

export interface PlannerSize {
  readonly containers: number;
  readonly agents: number;
  readonly tasks: number;
}

const JOB = 'bench';
const ROLE = 'sluice';
const NOW = 1_700_000_000_000;

export function benchJobModel(tasks: number, containers: number): JobModel {
  return planJobModel(undefined, [{ system: 'kafka', topic: 'events', partitionCount: tasks }], { job: JOB, containerCount: containers });
}

const hostOf = (agent: number): string => `agent-${agent}.cluster`;

function agentOffer(agent: number): Offer {
  const allocated = { allocation_info: { role: ROLE } };
  const scalar = (name: string, value: number) => ({ name, type: 'SCALAR' as const, scalar: { value }, ...allocated });
  return {
    id: { value: `offer-${agent}` },
    framework_id: { value: 'framework-1' },
    agent_id: { value: `S${agent}` },
    hostname: hostOf(agent),
    resources: [
      scalar('cpus', 8),
      scalar('mem', 32_768),
      scalar('disk', 102_400),
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, ...allocated },
    ],
    ...allocated,
  };
}

/**
 * `launch`: every container waits (a fresh job, or a new leader after a failover); every second
 * one last ran on an agent of the cluster and prefers it. `steady`: every container runs, and the
 * offers are declined.
 */
export function plannerSnapshot(
  size: PlannerSize,
  kind: 'launch' | 'steady',
  jobModel = benchJobModel(size.tasks, size.containers),
): PlannerSnapshot {
  const ids = jobModel.containers.map((c) => c.id);
  const containers = new Map<string, ContainerState>();
  const lastHosts = new Map<string, string>();
  ids.forEach((id, i) => {
    if (kind === 'steady') containers.set(id, { kind: 'running', agentId: `S${i % size.agents}` });
    if (i % 2 === 0) lastHosts.set(id, hostOf(i % size.agents));
  });
  let uuid = 0;
  return {
    jobModel,
    resources: { cpus: 1, memMb: 2048, diskMb: 0, ports: 1 },
    storage: { kind: 'persistent-volume', sizeMb: 1024, containerPath: 'state' },
    containers,
    lastHosts,
    reservations: new Map(),
    framework: { frameworkId: 'framework-1', role: ROLE, principal: 'sluice' },
    offers: Array.from({ length: size.agents }, (_, agent) => agentOffer(agent)),
    offersSuppressed: kind === 'steady',
    now: NOW,
    newUuid: () => `uuid-${++uuid}`,
    settings: {
      ...DEFAULT_PLANNER_TIMINGS,
      launch: {
        bundleUri: 'http://repo/bench.tar.gz',
        executorCommand: 'node sluice/dist/bin/sluice.js executor',
        jobConfig: 'job.yaml',
        zookeeper: 'zk:2181',
        kafkaBrokers: ['kafka:9092'],
      },
    },
  };
}
