import { pathToFileURL } from 'node:url';
import { isJob, type Job } from '../../shared/api/define-job.js';
import { describeError, SluiceError } from '../../shared/errors.js';

/**
 * Imports a job module and returns its `defineJob(...)` default export. TypeScript modules are
 * compiled on the fly (tsx), so job authors need no build step to run a job.
 */
export async function loadJob(modulePath: string): Promise<Job> {
  let exports: Record<string, unknown>;
  try {
    if (/\.[mc]?tsx?$/.test(modulePath)) {
      const { tsImport } = await import('tsx/esm/api');
      exports = (await tsImport(pathToFileURL(modulePath).href, import.meta.url)) as Record<string, unknown>;
    } else {
      exports = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new SluiceError('JOB_MODULE_UNLOADABLE', `cannot load job module ${modulePath}: ${describeError(error)}`, { cause: error });
  }
  const job = exports.default;
  if (!isJob(job)) {
    throw new SluiceError('JOB_MODULE_INVALID', `job module ${modulePath} must export default defineJob({ task: ... })`, {
      context: { module: modulePath },
    });
  }
  return job;
}
