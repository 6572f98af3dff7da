import type { Job } from '../../shared/api/define-job.js';
import { builtInSerdes, type Serde } from '../../shared/api/serdes.js';
import { SluiceError } from '../../shared/errors.js';

/** Finds a serde named in the job config: a built-in one or one the job module defines. */
export function resolveSerde(name: string, job: Job, configKey: string): Serde<unknown> {
  const found = job.serdes?.[name] ?? (builtInSerdes as Record<string, Serde<unknown>>)[name];
  if (!found) {
    const known = [...Object.keys(builtInSerdes), ...Object.keys(job.serdes ?? {})];
    throw new SluiceError('CONFIG_UNKNOWN_SERDE', `${configKey}: unknown serde '${name}'; expected one of ${known.join(', ')}`, {
      context: { key: configKey },
    });
  }
  return found;
}
