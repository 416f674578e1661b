/**
 * Per-run latency evidence: how many runs of the recent windows took longer than the scenario's own
 * upper duration quantiles, against how many such runs chance would give.
 *
 * Why: a window's p95 of one or two runs (or of a polling scenario's mix of sub-second check runs and
 * real runs) is noisy, and a regression ramping over 15–60 min shows first as a few runs in the slow
 * tail. Counting runs above the baseline p90/p99 and testing the count against Binomial(n, p) works
 * with few runs, pools naturally over trailing windows, and is calibrated by construction: p is the
 * baseline's own mass above the cut-off, whatever the shape (check runs included).
 *
 * The baseline is a decayed histogram of run durations in coarse log bins (width `runBinWidth` in
 * ln ms, i.e. ~10%). A window's runs arrive as [duration ms, count] pairs: exact durations offline,
 * the DDSketch bins' representative values in the processor (`sketchRuns`). Pure functions.
 */
import { createDurationSketcher } from '../aggregate/sketch.js';
import { DDSketch } from '@datadog/sketches-js';
import type { AnomalyConfig } from './config.js';
import { percent, round, type Finding, type ScenarioState } from './state.js';
import { binomialUpperTailScore } from './stats.js';

/** Width of a duration bin, in ln(ms). */
export const runBinWidth = 0.1;

/** Duration runs of a window: [duration ms, number of runs]. */
export type RunDurations = readonly (readonly [number, number])[];

/** Coarse runs of one window: [bin, count] pairs, ascending by bin. */
export type RunBins = [number, number][];

/** Settings of the per-run test (see `config.ts`). */
export interface RunSettings {
  readonly enabled: boolean;
  readonly threshold: number;
  readonly levels: readonly number[];
  readonly spans: readonly number[];
  readonly minExceedances: number;
  readonly minBaselineRuns: number;
  readonly halfLifeRuns: number;
}

/** The bin of a duration (ms). */
export function runBin(durationMs: number): number {
  return Math.floor(Math.log(Math.max(1, durationMs)) / runBinWidth);
}

/** Groups a window's run durations into coarse bins. */
export function toRunBins(runs: RunDurations): RunBins {
  const bins = new Map<number, number>();
  for (const [duration, count] of runs) {
    if (count <= 0) continue;
    const bin = runBin(duration);
    bins.set(bin, (bins.get(bin) ?? 0) + count);
  }
  return [...bins].sort((a, b) => a[0] - b[0]);
}

/** Adds a window's runs to the baseline histogram (bin → decayed weight), decaying older runs first. */
export function addRuns(histogram: Record<string, number>, runs: RunBins, halfLifeRuns: number): void {
  const count = runs.reduce((sum, [, n]) => sum + n, 0);
  if (count === 0) return;
  const decay = Math.pow(0.5, count / halfLifeRuns);
  for (const key of Object.keys(histogram)) {
    const weight = (histogram[key] as number) * decay;
    // Tiny weights change nothing but the state's size.
    if (weight < 1e-3) delete histogram[key];
    else histogram[key] = weight;
  }
  for (const [bin, n] of runs) histogram[bin] = (histogram[bin] ?? 0) + n;
}

/** A cut-off of the baseline: runs in bins above `bin` exceed it, with baseline probability `p`. */
interface Cutoff {
  readonly level: number;
  readonly bin: number;
  readonly p: number;
}

function cutoffs(histogram: Record<string, number>, levels: readonly number[]): { total: number; cuts: Cutoff[] } {
  const bins = Object.entries(histogram)
    .map(([bin, weight]) => [Number(bin), weight] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = bins.reduce((sum, [, weight]) => sum + weight, 0);
  const cuts: Cutoff[] = [];
  for (const level of levels) {
    let below = 0;
    for (const [bin, weight] of bins) {
      below += weight;
      if (below >= level * total) {
        // One pseudo-run above the cut-off: the top of a short history is not a hard ceiling.
        cuts.push({ level, bin, p: (total - below + 1) / (total + 1) });
        break;
      }
    }
  }
  return { total, cuts };
}

/** The strongest evidence found, or null when none reaches the threshold. */
export interface RunEvidence {
  readonly score: number;
  readonly exceeding: number;
  readonly runs: number;
  /** Baseline share of runs above the cut-off. */
  readonly p: number;
  readonly level: number;
  /** Lower edge of the first bin above the cut-off (ms). */
  readonly cutoffMs: number;
  /** Trailing windows pooled. */
  readonly span: number;
}

/**
 * Tests the trailing windows' runs (`recent`, oldest first, one RunBins per window, empty windows
 * included) against the baseline histogram: for every level and span, −log10 P(≥ k of n runs above
 * the cut-off) under Binomial(n, p). Returns the best test when it reaches the threshold.
 */
export function runEvidence(
  settings: RunSettings,
  histogram: Record<string, number>,
  recent: readonly RunBins[],
): RunEvidence | null {
  if (!settings.enabled) return null;
  const { total, cuts } = cutoffs(histogram, settings.levels);
  if (total < settings.minBaselineRuns) return null;
  let best: RunEvidence | null = null;
  for (const span of settings.spans) {
    const windows = recent.slice(Math.max(0, recent.length - span));
    for (const cut of cuts) {
      let runs = 0;
      let exceeding = 0;
      for (const window of windows) {
        for (const [bin, n] of window) {
          runs += n;
          if (bin > cut.bin) exceeding += n;
        }
      }
      if (exceeding < settings.minExceedances) continue;
      const score = binomialUpperTailScore(exceeding, runs, cut.p);
      if (best === null || score > best.score) {
        best = {
          score,
          exceeding,
          runs,
          p: cut.p,
          level: cut.level,
          cutoffMs: Math.exp((cut.bin + 1) * runBinWidth),
          span,
        };
      }
    }
  }
  return best !== null && best.score >= settings.threshold ? best : null;
}

/**
 * The runs of a MetricWindow's `durationSketch` (the aggregate processor's compact DDSketch encoding)
 * as [representative duration, count] pairs; null when the window carries no sketch. The relative
 * accuracy is read from the encoding itself.
 */
export function sketchRuns(bytes: Uint8Array | null | undefined): RunDurations | null {
  if (bytes === null || bytes === undefined || bytes.length < 9) return null;
  const accuracy = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readDoubleLE(1);
  const sketch = createDurationSketcher(accuracy).decode(bytes);
  const mapping = new DDSketch({ relativeAccuracy: accuracy }).mapping;
  const runs: [number, number][] = sketch.zeros > 0 ? [[0, sketch.zeros]] : [];
  for (const [key, count] of Object.entries(sketch.bins)) runs.push([mapping.value(Number(key)), count]);
  return runs;
}

/** The per-run test's finding for the scenario's current trailing windows (detector `latency-regression`). */
export function runsLatencyFinding(state: ScenarioState, config: AnomalyConfig): Finding | null {
  const evidence = runEvidence(config.latencyRuns, state.runHistogram ?? {}, state.recentRuns ?? []);
  if (evidence === null) return null;
  const minutes = (evidence.span * config.windowSizeMs) / 60_000;
  return {
    detector: 'latency-regression',
    metric: 'runs_above_baseline_share',
    direction: 'ABOVE',
    observed: evidence.exceeding / evidence.runs,
    baseline: evidence.p,
    expectedLow: 0,
    expectedHigh: Math.min(1, evidence.p + 3 * Math.sqrt((evidence.p * (1 - evidence.p)) / evidence.runs)),
    score: evidence.score,
    threshold: config.latencyRuns.threshold,
    explanation:
      `${evidence.exceeding} of ${evidence.runs} runs of scenario ${state.scenarioId} in the last ${minutes} minutes ` +
      `took longer than ${round(evidence.cutoffMs / 1000)} s, which only ${percent(evidence.p)} of its runs usually exceed.`,
  };
}
