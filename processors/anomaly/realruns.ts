/**
 * Real runs only, for polling scenarios. A polling scenario (a trigger that checks for new data on a
 * schedule) mostly runs empty checks of one operation; its real runs, the ones that found data, are
 * longer and cost more. A window's cost or duration per run then mostly says how many of its runs
 * happened to be real, which hides a surge or a slowdown of the real runs (bench/anomaly/README.md,
 * fourth round). The aggregate keeps the real runs' totals apart (MetricWindow `realRun*` fields,
 * `processors/aggregate/totals.ts` `isRealRun`); for a scenario whose runs are at least
 * `realRuns.minCheckShare` check runs, the cost and latency tests read those instead of the whole
 * window (the "cost view"). Error, volume and silence tests always read all runs.
 */
import type { MetricWindow } from '../../schemas/generated/types.js';
import type { AnomalyConfig } from './config.js';
import { sketchRuns, type RunDurations } from './runs.js';
import type { RealRunsObservation, ScenarioState, WindowObservation } from './state.js';

/** A window as the cost and latency tests see it; `realOnly` when it holds only the real runs. */
export type CostView = WindowObservation & { readonly realOnly: boolean };

/** Whether the scenario's cost and latency tests judge only real runs (from its run mix so far). */
export function judgesRealRuns(state: ScenarioState, config: AnomalyConfig): boolean {
  const settings = config.realRuns;
  const mix = state.runMix;
  return (
    settings.enabled && mix !== undefined && mix[1] >= settings.minRuns && mix[0] / mix[1] >= settings.minCheckShare
  );
}

/**
 * The cost view of `window`: its real runs for a scenario that judges real runs and a window that
 * has them (counted: a window of check runs only is an empty window to these tests), else the window.
 */
export function costView(state: ScenarioState, window: WindowObservation, config: AnomalyConfig): CostView {
  const real = window.realRuns;
  if (real === undefined || real === null || !judgesRealRuns(state, config)) return { ...window, realOnly: false };
  return {
    ...window,
    executions: real.executions,
    operations: real.operations,
    centicredits: real.centicredits,
    durationSumMs: real.durationSumMs,
    durationP95Ms: real.executions === 0 ? null : real.durationP95Ms,
    runDurations: real.runDurations,
    realOnly: true,
  };
}

/**
 * Keeps the cost view's warm-up count; on the first window judged on real runs, notes its start and
 * (with `freshBaselines`) starts the burn and latency baselines afresh: until then they held all
 * runs, check runs included, which the real runs are not comparable to.
 */
export function enterCostView(state: ScenarioState, view: CostView, config: AnomalyConfig): void {
  if (!view.realOnly) return;
  if (state.costViewSince === undefined) {
    state.costViewSince = view.windowStart;
    state.costViewWindows = 0;
    if (config.realRuns.freshBaselines) {
      state.latencyHistory = [];
      state.burnHistory = [];
      state.latencyMeans = [];
      state.burnSingles = [];
      state.latencyCusum = 0;
      state.burnCusum = 0;
      state.runHistogram = {};
      state.runRatioSum = 0;
      state.flagStreaks = {};
      delete state.costFloor;
    }
  }
  if (view.executions > 0) state.costViewWindows = (state.costViewWindows ?? 0) + 1;
}

/**
 * Whether the burn and latency tests of a scenario judged on real runs are still warming up: less
 * than `realRuns.warmupMs` of event time since its first window judged on real runs, or fewer than
 * `realRuns.warmupWindows` windows with real runs. Why: a polling scenario has a real run in one
 * window of three or four, so a baseline of its first real runs rests on little data, and one learnt
 * during an episode (a burn surge: more operations per run, so less time per operation) flagged for
 * days (bench/anomaly/README.md, fifth round). Meanwhile the baselines learn from every window.
 */
export function costViewWarmingUp(state: ScenarioState, view: CostView, config: AnomalyConfig): boolean {
  if (!view.realOnly || state.costViewSince === undefined) return false;
  const settings = config.realRuns;
  return (
    view.windowEnd - state.costViewSince < settings.warmupMs || (state.costViewWindows ?? 0) < settings.warmupWindows
  );
}

/** Takes a window's run mix into the scenario's decayed counts (windows without real-run counts skip). */
export function addRunMix(state: ScenarioState, window: WindowObservation, config: AnomalyConfig): void {
  const real = window.realRuns;
  if (real === undefined || real === null || window.executions === 0) return;
  const decay = Math.pow(0.5, 1 / config.baselineHalfLifeWindows);
  const mix = (state.runMix ??= [0, 0]);
  mix[0] = mix[0] * decay + Math.max(0, window.executions - real.executions);
  mix[1] = mix[1] * decay + window.executions;
}

/** p95 (nearest rank) of [duration, runs] pairs; null when there are no runs. */
export function runsP95(runs: RunDurations): number | null {
  const sorted = [...runs].filter(([, count]) => count > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.ceil(0.95 * total);
  let seen = 0;
  for (const [duration, count] of sorted) {
    seen += count;
    if (seen >= rank) return duration;
  }
  return sorted[sorted.length - 1]![0];
}

/**
 * The real runs of a MetricWindow (its `realRun*` fields; durations from `realRunDurationSketch`);
 * null when the window has none of them (rollups, records written before the fields existed).
 */
export function realRunsOfWindow(
  window: Pick<
    MetricWindow,
    'realRuns' | 'realRunOperations' | 'realRunCenticredits' | 'realRunDurationSumMs' | 'realRunDurationSketch'
  >,
): RealRunsObservation | null {
  if (window.realRuns === null || window.realRuns === undefined) return null;
  const runDurations = sketchRuns(window.realRunDurationSketch);
  return {
    executions: window.realRuns,
    operations: window.realRunOperations ?? 0,
    centicredits: window.realRunCenticredits ?? 0,
    durationSumMs: window.realRunDurationSumMs ?? 0,
    durationP95Ms: runDurations === null ? null : runsP95(runDurations),
    runDurations,
  };
}

/** Detectors whose baselines learn again after a long unbroken run of flags. */
const relearning = ['latency-regression', 'burn-surge'] as const;

/**
 * Counts, per cost/latency detector, the windows with runs to judge that it flagged in a row (a
 * window it did not flag ends the run; windows with nothing to judge leave it).
 */
export function countFlagStreaks(state: ScenarioState, flagged: ReadonlySet<string>): void {
  const streaks = (state.flagStreaks ??= {});
  for (const detector of relearning) streaks[detector] = flagged.has(detector) ? (streaks[detector] ?? 0) + 1 : 0;
}

/**
 * Whether a flagged window still feeds `detector`'s baseline: after `relearnAfterWindows` flagged
 * windows in a row. Why: a flagged window is kept out of the baseline so an episode does not become
 * the new normal, but a baseline learnt from little or odd data (a polling scenario's first real runs,
 * a burn surge in its history: more operations per run, so less time per operation) then flags for
 * ever, and nothing it learns can end that. An unbroken run that long has been reported already.
 */
export function relearns(state: ScenarioState, detector: string, config: AnomalyConfig): boolean {
  const after = config.relearnAfterWindows;
  return after > 0 && (state.flagStreaks?.[detector] ?? 0) >= after;
}
