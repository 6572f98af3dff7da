/**
 * Waits for every one of `work` to settle, then rejects with the first failure, if any. For
 * clean-up: each resource is closed even when closing another one failed, and no failure is lost
 * as an unhandled rejection.
 */
export async function settleAll(work: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(work);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}

/** Runs every step in order, each even if one before it failed; rejects with the first failure. */
export async function closeInOrder(...steps: (() => Promise<unknown> | undefined)[]): Promise<void> {
  let first: { error: unknown } | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      first ??= { error };
    }
  }
  if (first) throw first.error;
}
