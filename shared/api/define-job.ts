import { SluiceError } from '../errors.js';
import type { Serde } from './serdes.js';
import type { StreamTask } from './task.js';

export interface JobDefinition {
  /** Creates the task object of one task; called once per task in each container. */
  readonly task: (taskName: string) => StreamTask;
  /** Serdes the job config may name besides the built-in ones (string, json, int32, int64, bytes). */
  readonly serdes?: Readonly<Record<string, Serde<unknown>>>;
}

const JOB_MARKER = Symbol.for('sluice.job');

export interface Job extends JobDefinition {
  readonly [JOB_MARKER]: true;
}

/** Declares a job's code; the module named by the job config's `job.module` exports it as default. */
export function defineJob(definition: JobDefinition): Job {
  if (typeof definition?.task !== 'function') {
    throw new SluiceError('JOB_DEFINITION_INVALID', 'defineJob expects { task: (taskName) => StreamTask }');
  }
  return Object.freeze({ ...definition, [JOB_MARKER]: true as const });
}

export function isJob(value: unknown): value is Job {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[JOB_MARKER] === true;
}
