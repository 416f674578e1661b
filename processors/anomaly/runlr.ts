/**
 * Per-run likelihood-ratio CUSUM for latency regressions: every run of a window adds the log
 * likelihood ratio of its duration under "slowed down" against "as usual", both read from the
 * scenario's own decayed run histogram (`runs.ts`), and a one-sided CUSUM over runs flags once the
 * evidence passes `threshold`.
 *
 * Why: a regression ramps over 15–60 min, so in its first windows it is a few runs a little slower
 * than usual. A window statistic (p95, mean) of one to a few runs whose durations vary several-fold
 * with the bundles they process wastes that evidence; the per-run ratio uses each run's own
 * position in the scenario's duration distribution, whatever its shape (a polling scenario's check
 * runs and real runs included), and sums it over runs as they come.
 *
 * Model: in log-duration bins (width `runBinWidth`), the null density f0 is the histogram smoothed
 * with a 5-bin triangular kernel plus a pseudo-count; the alternative is an equal mixture of f0
 * shifted up by each of `shifts` (×1.5, ×2.5, ×4 by default), so a run far beyond anything seen still
 * counts as evidence under a large shift, mixed with f0 itself for the runs the slowdown leaves alone
 * (`affectedShare`; check runs of polling scenarios do not slow down). Each run's log ratio is capped to [−`maxStep`, `maxStep`]
 * (one odd run cannot flag alone); S ← clamp(S + Σ runs, 0, 2 × threshold). Under the null the
 * expected ratio is negative (−KL), so S drifts down on normal traffic without a drift term.
 * Pure functions.
 */
import type { AnomalyConfig } from './config.js';
import { runBinWidth, type RunBins } from './runs.js';
import type { Finding, ScenarioState } from './state.js';

/** Settings of the per-run likelihood-ratio CUSUM (see `config.ts`). */
export interface RunRatioSettings {
  readonly enabled: boolean;
  readonly threshold: number;
  /** Slow-down factors of the alternative (an equal mixture). */
  readonly shifts: readonly number[];
  readonly maxStep: number;
  /** Pseudo-count per bin, as a share of the histogram's total weight per bin of its support. */
  readonly pseudoShare: number;
  readonly minBaselineRuns: number;
  /**
   * Share of runs the alternative slows down (the rest keep the usual distribution): a polling
   * scenario's check runs do not slow down with its real runs, so a usual run counts at most
   * −ln(1 − share) against a regression.
   */
  readonly affectedShare: number;
}

const kernel = [1, 2, 3, 2, 1].map((w) => w / 9);

/** The smoothed weight of `bin` in `histogram`. */
function smoothed(histogram: Record<string, number>, bin: number): number {
  let sum = 0;
  for (let d = -2; d <= 2; d++) sum += (histogram[bin + d] ?? 0) * (kernel[d + 2] as number);
  return sum;
}

/** The log likelihood ratio of a run in `bin` (slowed by one of the shifts vs as usual), uncapped. */
export function runLogRatio(
  histogram: Record<string, number>,
  bin: number,
  shiftBins: readonly number[],
  pseudo: number,
  affectedShare = 1,
): number {
  const usual = smoothed(histogram, bin) + pseudo;
  let slowed = 0;
  for (const shift of shiftBins) slowed += smoothed(histogram, bin - shift) + pseudo;
  return Math.log(1 - affectedShare + (affectedShare * slowed) / shiftBins.length / usual);
}

/** The outcome of one window's step. */
export interface RunRatioStep {
  /** The new cumulative sum (to store). */
  readonly sum: number;
  readonly flagged: boolean;
  /** This window's total log ratio (0 for an empty window). */
  readonly evidence: number;
  readonly runs: number;
}

/** One CUSUM step over the runs of the current window; null while the baseline is too short or the test is off. */
export function runRatioStep(
  settings: RunRatioSettings,
  histogram: Record<string, number>,
  sum: number,
  window: RunBins,
): RunRatioStep | null {
  if (!settings.enabled) return null;
  let total = 0;
  let minBin = Infinity;
  let maxBin = -Infinity;
  for (const [key, weight] of Object.entries(histogram)) {
    total += weight;
    const bin = Number(key);
    if (bin < minBin) minBin = bin;
    if (bin > maxBin) maxBin = bin;
  }
  if (total < settings.minBaselineRuns) return null;
  const support = Math.max(1, maxBin - minBin + 1);
  const pseudo = (settings.pseudoShare * total) / support;
  const shiftBins = settings.shifts.map((factor) => Math.round(Math.log(factor) / runBinWidth));
  let evidence = 0;
  let runs = 0;
  for (const [bin, n] of window) {
    const ratio = runLogRatio(histogram, bin, shiftBins, pseudo, settings.affectedShare);
    evidence += n * Math.max(-settings.maxStep, Math.min(settings.maxStep, ratio));
    runs += n;
  }
  const next = Math.min(2 * settings.threshold, Math.max(0, sum + evidence));
  return { sum: next, flagged: next >= settings.threshold && evidence > 0, evidence, runs };
}

/** The finding of a flagged step (detector `latency-regression`), null when the step did not flag. */
export function runRatioFinding(
  state: ScenarioState,
  config: AnomalyConfig,
  step: RunRatioStep | null,
): Finding | null {
  if (step === null || !step.flagged) return null;
  return {
    detector: 'latency-regression',
    metric: 'run_duration_log_likelihood_ratio',
    direction: 'ABOVE',
    observed: step.sum,
    baseline: 0,
    expectedLow: null,
    expectedHigh: config.latencyRunRatio.threshold,
    score: step.sum,
    threshold: config.latencyRunRatio.threshold,
    explanation:
      `Recent runs of scenario ${state.scenarioId} were slower than its usual run durations: ` +
      `they are e^${step.sum.toFixed(1)} times likelier under a slowdown than as usual (${step.runs} runs in this window).`,
  };
}
