/**
 * What a stage says about one offer: pass or fail, why, and the operations it recommends. Like
 * dcos-commons' EvaluationOutcome, outcomes are data: every stage runs and reports, so the
 * dashboard can show every reason an offer was not used, not only the first.
 */
import type { OfferOperation } from '../../shared/mesos/index.js';

export type StageName = 'orphans' | 'role' | 'backoff' | 'locality' | 'reservation' | 'resources' | 'accounting' | 'launch';

export interface Outcome {
  readonly ok: boolean;
  readonly stage: StageName;
  /** The container evaluated; absent for per-offer stages (orphans). */
  readonly container?: string;
  readonly reason: string;
  /** Taken only when every stage of the evaluation passes. */
  readonly operations: readonly OfferOperation[];
}

export function pass(stage: StageName, reason: string, operations: readonly OfferOperation[] = []): Outcome {
  return { ok: true, stage, reason, operations };
}

export function fail(stage: StageName, reason: string): Outcome {
  return { ok: false, stage, reason, operations: [] };
}

/** `2.5 s` — durations in reasons are read by people, so seconds with at most one decimal. */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
