/**
 * The FrameworkInfo of every SUBSCRIBE: with the stored id once there is one (a re-subscribe or
 * a new leader fails over to it), a long failover timeout so a scheduler restart keeps the tasks,
 * checkpointing so agent restarts keep them too, and the one role the planner reserves for.
 */
import type { FrameworkInfo } from '../../shared/mesos/index.js';
import type { FrameworkOptions } from './framework-options.js';

export function buildFrameworkInfo(options: FrameworkOptions, frameworkId: string | undefined): FrameworkInfo {
  return {
    user: options.user,
    name: `sluice ${options.config.name}`,
    ...(frameworkId === undefined ? {} : { id: { value: frameworkId } }),
    failover_timeout: options.failoverTimeoutSeconds,
    checkpoint: true,
    roles: [options.role],
    principal: options.principal,
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
    ...(options.webuiUrl === undefined ? {} : { webui_url: options.webuiUrl }),
  };
}
