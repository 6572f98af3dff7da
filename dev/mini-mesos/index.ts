/** The mini Mesos's surface for tests and the CLI; internals (master/, agent/, sandbox/) stay out. */
export { MiniMesos } from './mini-mesos.js';
export type { AgentHandle } from './mini-mesos.js';
export type { AgentResourcesOptions, MiniMesosOptions } from './options.js';
export type { MiniMesosState } from './state.js';
export type { Acls } from './master/acls.js';
export type { Credential } from './master/framework-auth.js';
