/**
 * Realistic, fully populated building blocks for the Mesos examples (examples.ts): ids in the
 * formats a master makes, a reserved persistent volume the way our scheduler asks for one, an
 * executor launched with the real MESOS_* flavour of command. Deterministic, because golden
 * fixtures are made from them.
 */
import type {
  AgentInfo,
  CommandInfo,
  ExecutorInfo,
  FrameworkInfo,
  Labels,
  MasterInfo,
  Offer,
  Resource,
  TaskInfo,
  TaskStatus,
} from '../../../shared/mesos/index.js';

const MASTER_UUID = '6d4c1a6e-2f0b-4b8e-9d62-0b8e3c7a51f4';
export const frameworkId = { value: `${MASTER_UUID}-0000` };
export const agentId = { value: `${MASTER_UUID}-S1` };
export const offerId = { value: `${MASTER_UUID}-O7` };
export const secondOfferId = { value: `${MASTER_UUID}-O8` };
export const executorId = { value: 'sluice.wordcount.container-0' };
export const taskId = { value: 'sluice.wordcount.container-0.a41f3c2e' };
export const statusUuid = Uint8Array.from(Buffer.from('9b2e6a4c1d7f4e0a8c3b5d2f1e6a7c90', 'hex'));

const ROLE = 'sluice';
const PRINCIPAL = 'sluice-scheduler';

export const reservationLabels: Labels = {
  labels: [{ key: 'resource_id', value: '3f6a2c1e-8b4d-4e2f-9a7c-5d1b0e8f2a63' }, { key: 'sluice.job' }],
};

export const frameworkInfo: FrameworkInfo = {
  user: 'sluice',
  name: 'sluice-wordcount',
  id: frameworkId,
  failover_timeout: 604800,
  checkpoint: true,
  roles: [ROLE],
  hostname: 'scheduler-1.example.org',
  principal: PRINCIPAL,
  webui_url: 'http://scheduler-1.example.org:31080/',
  capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }, { type: 'PARTITION_AWARE' }],
  labels: { labels: [{ key: 'sluice.version', value: '0.1.0' }] },
};

/** A pre-MULTI_ROLE framework, as an old peer would describe itself. */
export const legacyFrameworkInfo: FrameworkInfo = { user: 'root', name: 'legacy', role: 'batch' };

export const masterInfo: MasterInfo = {
  id: MASTER_UUID,
  ip: 16777343, // 127.0.0.1 packed in network byte order
  port: 5050,
  pid: 'master@127.0.0.1:5050',
  hostname: 'master-1.example.org',
  version: '1.11.0',
  address: { hostname: 'master-1.example.org', ip: '127.0.0.1', port: 5050 },
};

const dynamicReservation = { type: 'DYNAMIC' as const, role: ROLE, principal: PRINCIPAL, labels: reservationLabels };
const allocation = { role: ROLE };

export function scalar(name: string, value: number): Resource {
  return { name, type: 'SCALAR', scalar: { value }, allocation_info: allocation, reservations: [dynamicReservation] };
}

export const portsResource: Resource = {
  name: 'ports',
  type: 'RANGES',
  ranges: {
    range: [
      { begin: 31000, end: 31099 },
      { begin: 31500, end: 32000 },
    ],
  },
  allocation_info: allocation,
};

/** A custom SET resource in the pre-refinement format a master sends to older frameworks. */
export const legacyResource: Resource = {
  name: 'devices',
  type: 'SET',
  set: { item: ['/dev/nvme0n1', '/dev/nvme1n1'] },
  role: ROLE,
  reservation: { principal: PRINCIPAL, labels: reservationLabels },
};

export const volumeResource: Resource = {
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: 2048 },
  allocation_info: allocation,
  reservations: [{ type: 'STATIC', role: 'storage' }, dynamicReservation],
  disk: {
    persistence: { id: '0c6f7d2a-4e1b-4a9c-8f3d-6b2e1a7c9d05', principal: PRINCIPAL },
    volume: { mode: 'RW', container_path: 'stores', host_path: '/var/lib/sluice' },
  },
};

export const taskResources: Resource[] = [scalar('cpus', 0.5), scalar('mem', 1024), volumeResource];

export const command: CommandInfo = {
  uris: [
    {
      value: 'http://127.0.0.1:31080/artifacts/sluice-0.1.0.tgz',
      executable: false,
      extract: true,
      cache: true,
      output_file: 'sluice.tgz',
    },
  ],
  environment: {
    variables: [
      { name: 'SLUICE_JOB', type: 'VALUE', value: 'wordcount' },
      { name: 'SLUICE_LOG_LEVEL', value: 'info' },
    ],
  },
  shell: false,
  value: 'node',
  arguments: ['node', 'sluice/dist/executor/mesos-executor.js', '--job', 'wordcount'],
  user: 'sluice',
};

export const executorInfo: ExecutorInfo = {
  type: 'CUSTOM',
  executor_id: executorId,
  framework_id: frameworkId,
  command,
  resources: [scalar('cpus', 0.1), scalar('mem', 128)],
  name: 'sluice wordcount container 0',
  data: Uint8Array.from(Buffer.from('{"container":0}', 'utf8')),
  shutdown_grace_period: { nanoseconds: 5_000_000_000 },
  labels: { labels: [{ key: 'sluice.container', value: '0' }] },
};

export const taskInfo: TaskInfo = {
  name: 'wordcount container 0',
  task_id: taskId,
  agent_id: agentId,
  resources: taskResources,
  executor: executorInfo,
  kill_policy: { grace_period: { nanoseconds: 10_000_000_000 } },
  data: Uint8Array.from(Buffer.from('{"jobModelVersion":3}', 'utf8')),
  labels: { labels: [{ key: 'sluice.job', value: 'wordcount' }] },
};

/** A command task: the other of TaskInfo's executor|command. */
export const commandTaskInfo: TaskInfo = {
  name: 'wordcount coordinator',
  task_id: { value: 'sluice.wordcount.coordinator.5e1d' },
  agent_id: agentId,
  resources: [scalar('cpus', 0.1)],
  command: { shell: true, value: 'echo ready && sleep 3600' },
};

export const offer: Offer = {
  id: offerId,
  framework_id: frameworkId,
  agent_id: agentId,
  hostname: 'agent-1.example.org',
  resources: [scalar('cpus', 4), scalar('mem', 8192), volumeResource, portsResource, legacyResource],
  attributes: [
    { name: 'rack', type: 'TEXT', text: { value: 'r12' } },
    { name: 'ssd_count', type: 'SCALAR', scalar: { value: 2 } },
    { name: 'slots', type: 'RANGES', ranges: { range: [{ begin: 1, end: 4 }] } },
    { name: 'zones', type: 'SET', set: { item: ['a', 'b'] } },
  ],
  executor_ids: [executorId],
  allocation_info: allocation,
};

export const agentInfo: AgentInfo = {
  hostname: 'agent-1.example.org',
  port: 5051,
  resources: [scalar('cpus', 4), portsResource],
  attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r12' } }],
  id: agentId,
};

export const runningStatus: TaskStatus = {
  task_id: taskId,
  state: 'TASK_RUNNING',
  message: 'container 0 restored 3 stores',
  source: 'SOURCE_EXECUTOR',
  reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
  data: Uint8Array.from(Buffer.from('{"restoredStores":3}', 'utf8')),
  agent_id: agentId,
  executor_id: executorId,
  timestamp: 1767225600.125,
  uuid: statusUuid,
  healthy: true,
  labels: { labels: [{ key: 'sluice.phase', value: 'processing' }] },
  unreachable_time: { nanoseconds: 1767225600000000000 }, // exact as a double: a multiple of 256
};
