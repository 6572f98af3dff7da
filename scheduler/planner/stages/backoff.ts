/**
 * Backoff stage: a container that keeps failing is relaunched later and later (1 s doubling to
 * 60 s by default), as Marathon delays relaunches of a crashing app, so a broken job does not
 * churn through offers and agents. The delay depends only on the injected clock and the failure
 * record, never on the offer.
 */
import type { ContainerContext } from '../context.js';
import { fail, pass, seconds, type Outcome } from '../outcome.js';

export function evaluateBackoff(container: ContainerContext, now: number): Outcome {
  if (container.failures === 0) return pass('backoff', 'no failures to back off from');
  const streak = `${container.failures} consecutive failure${container.failures === 1 ? '' : 's'}`;
  if (now >= container.readyAt) return pass('backoff', `${streak}; the backoff ended ${seconds(now - container.readyAt)} ago`);
  return fail('backoff', `${streak}; backing off ${seconds(container.readyAt - now)} more`);
}
