/**
 * Sequential (CUSUM) tests: evidence accumulated window by window, so a slow ramp or a shift that is
 * small in any single window (a latency regression ramping over 15–60 min, a burn surge on a sparse
 * scenario) is found once the windows together make it clear, and a one-window outlier alone is not.
 *
 * Per non-empty window the statistic x (log mean duration; log(1 + centicredits per run)) is turned
 * into a robust z-score against the scenario's own history (median; spread = max of scaled MAD, the
 * upper-tail spread and `minSpread`), capped at `maxStep`; the one-sided CUSUM
 * S ← clamp(S + z − drift, 0, 2 × threshold) flags while S ≥ threshold and the current x is at least
 * `minRatio` × the median. Empty windows leave S alone (no evidence either way). Pure functions.
 */
import { median, quantile, scaledMad } from './stats.js';

/** Settings of one sequential test (see `config.ts`). */
export interface SequentialSettings {
  readonly enabled: boolean;
  readonly threshold: number;
  readonly drift: number;
  readonly maxStep: number;
  readonly minRatio: number;
  readonly minSpread: number;
  readonly minHistory: number;
}

/** The outcome of one step. */
export interface SequentialStep {
  /** The new cumulative sum (to store). */
  readonly sum: number;
  /** Whether the test flags this window. */
  readonly flagged: boolean;
  readonly center: number;
  readonly spread: number;
}

/** Robust centre and spread of a history of log values. */
export function robustBaseline(history: readonly number[], minSpread: number): { center: number; spread: number } {
  const center = median(history);
  // MAD alone collapses on two-mode histories (polling scenarios: windows of check runs only vs
  // windows with real runs); the upper tail keeps the spread honest there.
  const spread = Math.max(scaledMad(history, center), (quantile(history, 0.9) - center) / 1.2816, minSpread);
  return { center, spread };
}

/**
 * One CUSUM step for the statistic `value` of the current window (null: empty window). `sum` is the
 * stored cumulative sum before this window. Before `minHistory` values the sum stays 0.
 */
export function sequentialStep(
  settings: SequentialSettings,
  history: readonly number[],
  sum: number,
  value: number | null,
): SequentialStep | null {
  if (!settings.enabled || history.length < settings.minHistory) return null;
  const { center, spread } = robustBaseline(history, settings.minSpread);
  if (value === null) return { sum, flagged: false, center, spread };
  const z = Math.min(settings.maxStep, (value - center) / spread);
  const next = Math.min(2 * settings.threshold, Math.max(0, sum + z - settings.drift));
  const flagged = next >= settings.threshold && value - center >= Math.log(settings.minRatio);
  return { sum: next, flagged, center, spread };
}
