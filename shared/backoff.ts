/** A capped exponential backoff: the delay before each retry doubles from `initialMs` up to `maxMs`. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** The delay after `failures` consecutive failures: none, then initial · 2^(failures−1), capped. */
export function backoffDelayMs(failures: number, backoff: Backoff): number {
  if (failures <= 0) return 0;
  // Capping the exponent keeps 2 ** n finite for absurd counts; the max caps it anyway.
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures - 1, 60));
}
