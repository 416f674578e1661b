/**
 * Silence: a scenario that stopped running emits no window, so it is found by an event-time timer
 * set at its deadline. The deadline comes from the scenario's own gaps between active windows (a
 * decayed histogram): for schedules, a multiple of the longest and the median gap; for irregular
 * (webhook-like) arrivals, also until no run at the hour-of-day rate is improbable enough.
 */
import type { AnomalyConfig } from './config.js';
import { expectedVolume, round, toAnomaly, type ScenarioState, type WindowResult } from './state.js';

/** Adds one gap (in windows) to the decayed gap histogram. */
export function addGap(state: ScenarioState, gapWindows: number, config: AnomalyConfig): void {
  const decay = 1 - 1 / config.silence.gapHistory;
  const kept: [number, number][] = [];
  let added = false;
  for (const [gap, weight] of state.gaps) {
    const decayed = weight * decay;
    if (gap === gapWindows) {
      kept.push([gap, decayed + 1]);
      added = true;
    } else if (decayed >= 0.05) kept.push([gap, decayed]);
  }
  if (!added) kept.push([gapWindows, 1]);
  state.gaps = kept.sort((a, b) => a[0] - b[0]);
}

/** Gaps seen (sum of weights, so recent gaps count most). */
function gapWeight(state: ScenarioState): number {
  return state.gaps.reduce((sum, [, weight]) => sum + weight, 0);
}

/** Weighted quantile of the gap histogram, in windows. */
function gapQuantile(state: ScenarioState, q: number): number {
  const total = gapWeight(state);
  let seen = 0;
  for (const [gap, weight] of state.gaps) {
    seen += weight;
    if (seen >= total * q) return gap;
  }
  return state.gaps.length === 0 ? 0 : (state.gaps[state.gaps.length - 1] as [number, number])[0];
}

/** Longest remembered gap, weighted median and 99th percentile gaps, in ms. */
function gapStats(state: ScenarioState): { longest: number; median: number; p99: number } {
  const longest = state.gaps.length === 0 ? 0 : (state.gaps[state.gaps.length - 1] as [number, number])[0];
  return {
    longest: longest * state.windowSizeMs,
    median: gapQuantile(state, 0.5) * state.windowSizeMs,
    p99: gapQuantile(state, 0.99) * state.windowSizeMs,
  };
}

/** How long a silence must last before it is reported (ms), or null while there is too little history. */
export function silenceThresholdMs(state: ScenarioState, config: AnomalyConfig): number | null {
  const settings = config.silence;
  if (!settings.enabled || gapWeight(state) < settings.minGaps) return null;
  const { longest, median: medianGap, p99 } = gapStats(state);
  if (settings.overdueGaps > 0 && p99 <= settings.regularGapRatio * medianGap) {
    // A schedule: the next run is due one usual gap after the last; allow for the jitter the
    // scenario has shown (its 99th percentile gap), then `overdueGaps` more usual gaps.
    return Math.max(settings.minSilenceMs, p99 + settings.overdueGaps * medianGap);
  }
  return Math.max(settings.minSilenceMs, settings.maxGapFactor * longest, settings.medianGapFactor * medianGap);
}

/**
 * When the scenario's current silence becomes reportable: a window boundary (event time, ms), or
 * null when nothing is to be reported (too little history, or this silence was reported already).
 */
export function silenceDeadline(state: ScenarioState, config: AnomalyConfig): number | null {
  const threshold = silenceThresholdMs(state, config);
  if (threshold === null || state.lastActiveStart === null || state.silenceReported) return null;
  const size = state.windowSizeMs;
  const deadline = Math.ceil((state.lastActiveStart + threshold) / size) * size;
  const gaps = gapStats(state);
  if (gaps.p99 <= config.silence.regularGapRatio * gaps.median) return deadline;
  // Irregular (random) arrivals: long gaps happen by chance, more so at quiet hours. Also require
  // that so long a silence be improbable for a Poisson process at the seasonal rate.
  const needed = config.silence.minScore * Math.LN10;
  let expected = 0;
  let end = state.lastActiveStart + size;
  for (let step = 0; step < config.maxGapFillWindows; step++) {
    expected += expectedVolume(state, config, end);
    end += size;
    if (expected >= needed) return Math.max(deadline, end);
  }
  return null;
}

/**
 * Checks, at event time `time` (the watermark reached it), whether the scenario has been silent for
 * too long; reports each silence once (a new active window re-arms it).
 */
export function checkSilence(state: ScenarioState, time: number, config: AnomalyConfig): WindowResult {
  const deadline = silenceDeadline(state, config);
  const threshold = silenceThresholdMs(state, config);
  if (deadline === null || threshold === null || time < deadline || state.lastActiveStart === null) {
    return { state, anomalies: [] };
  }
  state.silenceReported = true;
  const silentMinutes = (time - state.lastActiveStart) / 60_000;
  const gaps = gapStats(state);
  const usualMinutes = gaps.median / 60_000;
  const windowStart = time - state.windowSizeMs;
  const anomaly = toAnomaly(state, windowStart, time, {
    detector: 'silence',
    metric: 'silence_minutes',
    direction: 'ABOVE',
    observed: silentMinutes,
    baseline: usualMinutes,
    expectedLow: 0,
    expectedHigh: threshold / 60_000,
    score: silentMinutes / usualMinutes,
    threshold: threshold / gaps.median,
    severity: 'HIGH',
    explanation:
      `Scenario ${state.scenarioId} has not run for ${Math.round(silentMinutes)} minutes; ` +
      `it usually runs every ${round(usualMinutes)} minutes and has not paused longer than ${round(gaps.longest / 60_000)} recently.`,
  });
  return { state, anomalies: [anomaly] };
}
