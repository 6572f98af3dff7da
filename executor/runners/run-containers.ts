import type { ContainerHandle } from '../container/container.js';

/** A SIGINT/SIGTERM seen at any time since the process began its work. */
export interface StopRequest {
  readonly requested: boolean;
  /** Calls `listener` at the signal, or at once when it already came. */
  onStop(listener: () => void): void;
  dispose(): void;
}

/**
 * Listens for SIGINT/SIGTERM from the start of a run, so that a signal while the job model is
 * planned or stores restore still ends in a clean stop instead of the default kill.
 */
export function listenForStop(): StopRequest {
  let requested = false;
  const listeners = new Set<() => void>();
  const handler = () => {
    requested = true;
    for (const listener of listeners) listener();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return {
    get requested() {
      return requested;
    },
    onStop(listener) {
      listeners.add(listener);
      if (requested) listener();
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** Starts every container; a stop request stops them all cleanly once started. */
export async function startAll<C extends ContainerHandle>(
  containerIds: readonly string[],
  start: (containerId: string) => Promise<C>,
  stop: StopRequest,
): Promise<C[]> {
  const started = await Promise.allSettled(containerIds.map((containerId) => start(containerId)));
  const containers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stopAll = () => void Promise.allSettled(containers.map((container) => container.stop()));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) stopAll();
  stop.onStop(stopAll);
  if (failed) {
    await Promise.allSettled(containers.map((container) => container.done));
    throw failed.reason;
  }
  return containers;
}

/** Waits for every container; the first failure stops the others and is rethrown. */
export async function waitForAll(containers: readonly ContainerHandle[]): Promise<void> {
  try {
    await Promise.all(containers.map((container) => container.done));
  } catch (error) {
    await Promise.allSettled(containers.map((container) => container.stop()));
    throw error;
  }
}
