/**
 * Backoff stage: a container that keeps failing is relaunched later and later (1 s doubling to
 * 60 s by default), as Marathon delays relaunches of a crashing app, so a broken job does not
 * churn through offers and agents. The delay depends only on the injected clock and the failure
 * record, never on the offer.
 */
import type { ContainerContext } from '../context.js';
import { fail, pass, seconds, type Outcome } from '../outcome.js';
import type { ContainerState, PlannerSettings } from '../snapshot.js';

type BackoffSettings = Pick<PlannerSettings, 'backoffInitialMs' | 'backoffMaxMs'>;

/** The delay after `failures` consecutive failures: none, then initial · 2^(failures−1), capped. */
export function backoffDelayMs(failures: number, settings: BackoffSettings): number {
  if (failures <= 0) return 0;
  // Capping the exponent keeps 2 ** n finite for absurd counts; the max caps it anyway.
  return Math.min(settings.backoffMaxMs, settings.backoffInitialMs * 2 ** Math.min(failures - 1, 60));
}

/** When a container waiting for placement may launch; −∞ for one never seen. */
export function readyAt(state: ContainerState | undefined, settings: BackoffSettings): number {
  if (state === undefined) return Number.NEGATIVE_INFINITY;
  if (state.kind === 'failed') return state.lastFailureAt + backoffDelayMs(state.attempts, settings);
  if (state.kind === 'pending') return state.since;
  return Number.POSITIVE_INFINITY;
}

export function evaluateBackoff(container: ContainerContext, now: number): Outcome {
  if (container.failures === 0) return pass('backoff', 'no failures to back off from');
  const streak = `${container.failures} consecutive failure${container.failures === 1 ? '' : 's'}`;
  if (now >= container.readyAt) return pass('backoff', `${streak}; the backoff ended ${seconds(now - container.readyAt)} ago`);
  return fail('backoff', `${streak}; backing off ${seconds(container.readyAt - now)} more`);
}
