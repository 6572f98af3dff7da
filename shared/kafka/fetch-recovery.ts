/** Backoff before locating a failing partition again: 100 ms doubling to 3 s (a broker's restart or a leader election takes seconds). */
export function fetchRetryDelay(failures: number): number {
  return Math.min(100 * 2 ** Math.max(0, failures - 1), 3000);
}

export type OutOfRangeRecovery =
  { readonly kind: 'skip'; readonly to: string } | { readonly kind: 'retry' } | { readonly kind: 'fail'; readonly why: string };

/**
 * What to do about a fetch at `position` that the broker answered OFFSET_OUT_OF_RANGE, given the
 * partition's log now runs from `earliest` to `latest` (its next offset). Before the start, retention
 * deleted records before they were read: nothing can bring them back, so reading goes on from the
 * start (logged; kafkajs's consumer silently went to the end). Past the end, the log lost records
 * this reader had been shown (an unclean leader election): going on would skip what is written there
 * next, so it fails. Within the log (a leader that moved answered before it caught up), or when the
 * ends could not be read, it is fetched again.
 */
export function outOfRangeRecovery(position: string, earliest: string | undefined, latest: string | undefined): OutOfRangeRecovery {
  if (earliest === undefined || latest === undefined) return { kind: 'retry' };
  const at = BigInt(position);
  if (at < BigInt(earliest)) return { kind: 'skip', to: earliest };
  if (at > BigInt(latest)) {
    return {
      kind: 'fail',
      why: `the log ends at offset ${latest}, before the position ${position} this reader had reached: records it was shown are gone`,
    };
  }
  return { kind: 'retry' };
}
