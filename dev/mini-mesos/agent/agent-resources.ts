/**
 * An agent's total resources, dynamic reservations and persistent volumes included: what Mesos
 * calls the checkpointed resources (src/slave/slave.cpp `checkpointResourceState`). When the
 * master applies CREATE the agent makes the volume's directory; on DESTROY it deletes it
 * (`syncCheckpointedResources`). Reservations and volumes belong to the agent, so they survive
 * executor restarts and master failovers.
 */
import fs from 'node:fs';
import type { Resource } from '../../../shared/mesos/index.js';
import type { CompiledOptions } from '../options.js';
import { isPersistentVolume, reservedRole, resourceKey } from '../resources/resource-math.js';
import { volumePath } from '../sandbox/sandbox.js';

export interface VolumeInfo {
  role: string;
  persistenceId: string;
  containerPath: string;
  /** The directory on the agent that holds the data. */
  path: string;
  resource: Resource;
}

export function initialResources(resources: CompiledOptions['resources']): Resource[] {
  return [
    { name: 'cpus', type: 'SCALAR', scalar: { value: resources.cpus } },
    { name: 'mem', type: 'SCALAR', scalar: { value: resources.mem } },
    { name: 'disk', type: 'SCALAR', scalar: { value: resources.disk } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: resources.ports[0], end: resources.ports[1] }] } },
  ];
}

export class AgentResources {
  private current: Resource[];

  constructor(
    private readonly workDir: string,
    initial: Resource[],
  ) {
    this.current = initial;
  }

  get total(): readonly Resource[] {
    return this.current;
  }

  /** Replaces the total after an operation, creating and deleting volume directories to match. */
  checkpoint(total: Resource[]): void {
    const before = new Map(this.volumes().map((volume) => [resourceKey(volume.resource), volume]));
    this.current = total;
    const after = new Map(this.volumes().map((volume) => [resourceKey(volume.resource), volume]));
    for (const [key, volume] of after) {
      if (!before.has(key)) fs.mkdirSync(volume.path, { recursive: true });
    }
    for (const [key, volume] of before) {
      if (!after.has(key)) fs.rmSync(volume.path, { recursive: true, force: true });
    }
  }

  volumes(): VolumeInfo[] {
    return this.current.filter(isPersistentVolume).map((resource) => this.volumeInfo(resource));
  }

  volumeInfo(resource: Resource): VolumeInfo {
    const role = reservedRole(resource);
    const persistenceId = resource.disk?.persistence?.id ?? '';
    return {
      role,
      persistenceId,
      containerPath: resource.disk?.volume?.container_path ?? '',
      path: volumePath(this.workDir, role, persistenceId),
      resource,
    };
  }
}
