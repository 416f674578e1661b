/**
 * The detection core: a pure, deterministic function of one scenario's series of metric windows.
 * No clock, no randomness, no I/O: the processor (`processor.ts`) and the offline CLI (`cli.ts`)
 * both drive it, through `engine.ts`, so they find the same anomalies in the same data.
 *
 * Per scenario the state holds (JSON-serialisable, a few KB):
 * - an exponentially weighted error count and execution count (error-rate baseline);
 * - the log p95 duration and log centicredits-per-execution of the last `historyWindows` non-empty
 *   windows (median + MAD baselines, robust to the spikes they are meant to find);
 * - a mean of executions per window for each hour of the day (UTC) and for the whole day (volume);
 * - the recent gaps between active windows (silence);
 * - the last few windows, empty ones filled in, for the pooled (trailing) tests.
 * A window that a detector flags does not update that detector's baseline, so an ongoing anomaly does
 * not become the new normal within its own episode.
 */
import type { AnomalyConfig } from './config.js';
import { addGap } from './silence.js';
import {
  expectedVolume,
  hourMs,
  initialState,
  percent,
  round,
  toAnomaly,
  type Finding,
  type RecentWindow,
  type ScenarioState,
  type WindowObservation,
  type WindowResult,
} from './state.js';
import { sequentialStep, type SequentialStep } from './sequential.js';
import { addRuns, runsLatencyFinding, toRunBins } from './runs.js';
import { runRatioFinding, runRatioStep, type RunRatioStep } from './runlr.js';
import { confirmFindings } from './confirm.js';
import {
  addRunMix,
  costView,
  costViewWarmingUp,
  countFlagStreaks,
  enterCostView,
  relearns,
  type CostView,
} from './realruns.js';
import { binomialUpperTailScore, median, poissonLowerTailScore, quantile, scaledMad } from './stats.js';

export { initialState, toAnomaly, type ScenarioState, type WindowObservation, type WindowResult } from './state.js';
export { checkSilence, silenceDeadline, silenceThresholdMs } from './silence.js';

function trailing(state: ScenarioState, windows: number): RecentWindow[] {
  return state.recent.slice(Math.max(0, state.recent.length - windows));
}

function errorFinding(state: ScenarioState, config: AnomalyConfig, minutes: number): Finding | null {
  const settings = config.errorRate;
  if (!settings.enabled || state.errorExecutions < settings.minBaselineExecutions) return null;
  const baseline = Math.max(settings.baselineFloor, state.errorCount / state.errorExecutions);
  let best: { score: number; errors: number; executions: number; span: number } | null = null;
  for (const span of new Set([1, config.spanWindows, 2 * config.spanWindows, ...settings.longerSpans])) {
    const windows = trailing(state, span);
    const executions = windows.reduce((sum, w) => sum + w[1], 0);
    const errors = windows.reduce((sum, w) => sum + w[2], 0);
    if (errors < settings.minErrors || errors / executions < baseline + settings.minIncrease) continue;
    const score = binomialUpperTailScore(errors, executions, baseline);
    if (best === null || score > best.score) best = { score, errors, executions, span };
  }
  if (best === null || best.score < settings.threshold) return null;
  const rate = best.errors / best.executions;
  const spread = 3 * Math.sqrt((baseline * (1 - baseline)) / best.executions);
  return {
    detector: 'error-rate-spike',
    metric: 'error_rate',
    direction: 'ABOVE',
    observed: rate,
    baseline,
    expectedLow: Math.max(0, baseline - spread),
    expectedHigh: Math.min(1, baseline + spread),
    score: best.score,
    threshold: settings.threshold,
    explanation:
      `Error rate of scenario ${state.scenarioId} was ${percent(rate)} (${best.errors} of ${best.executions} runs) ` +
      `in the last ${best.span * minutes} minutes, against a baseline of ${percent(baseline)}.`,
  };
}

interface LevelShiftSpec {
  readonly settings: AnomalyConfig['latency'];
  readonly history: readonly number[];
  readonly current: number | null;
  /** Trailing log values (oldest first) for pooled tests over the last `spans` of them. */
  readonly pooled: readonly number[];
  readonly spans: readonly number[];
}

/** Robust z-score of the current log value and of the pooled mean of the trailing log values. */
function levelShift(spec: LevelShiftSpec): { score: number; value: number; center: number; spread: number } | null {
  const { settings, history, current } = spec;
  if (!settings.enabled || current === null || history.length < settings.minHistory) return null;
  const center = median(history);
  // MAD alone collapses on two-mode histories (polling scenarios: windows of check runs only vs
  // windows with real runs); the upper tail keeps the spread honest there.
  const spread = Math.max(scaledMad(history, center), (quantile(history, 0.9) - center) / 1.2816, settings.minSpread);
  const minShift = Math.log(settings.minRatio);
  let best: { score: number; value: number } | null = null;
  const single = (current - center) / spread;
  if (settings.minPooled <= 1 && current - center >= minShift) best = { score: single, value: current };
  for (const span of spec.spans) {
    const values = spec.pooled.slice(Math.max(0, spec.pooled.length - span));
    if (values.length < Math.max(2, settings.minPooled)) continue;
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    const pooledScore = (mean - center) / (spread / Math.sqrt(values.length));
    if (mean - center >= minShift && (best === null || pooledScore > best.score))
      best = { score: pooledScore, value: mean };
  }
  if (best === null || best.score < settings.threshold) return null;
  return { ...best, center, spread };
}

function latencyFinding(
  state: ScenarioState,
  config: AnomalyConfig,
  current: number | null,
  realOnly: boolean,
): Finding | null {
  const pooled = trailing(state, 2 * config.spanWindows).flatMap((w) => (w[3] === null ? [] : [w[3]]));
  const spans = [config.spanWindows, 2 * config.spanWindows];
  const shift = levelShift({ settings: config.latency, history: state.latencyHistory, current, pooled, spans });
  if (shift === null) return null;
  const observed = Math.exp(shift.value);
  const baseline = Math.exp(shift.center);
  return {
    detector: 'latency-regression',
    metric: 'duration_p95_ms',
    direction: 'ABOVE',
    observed,
    baseline,
    expectedLow: Math.exp(shift.center - config.latency.threshold * shift.spread),
    expectedHigh: Math.exp(shift.center + config.latency.threshold * shift.spread),
    score: shift.score,
    threshold: config.latency.threshold,
    explanation:
      `p95 duration${realOnly ? ' of real runs' : ''} of scenario ${state.scenarioId} rose to ${round(observed / 1000)} s, ` +
      `${(observed / baseline).toFixed(1)}× its usual ${round(baseline / 1000)} s.`,
  };
}

/**
 * The cost per run the burn tests subtract (`burnAboveFloor`): the scenario's cheapest window mean
 * so far (a polling scenario's check-only windows), 0 when off or before the first run. A surge
 * multiplies what real runs burn, not the floor, so subtracting it keeps cheap check runs from
 * diluting the surge.
 */
function burnFloor(state: ScenarioState, config: AnomalyConfig): number {
  return config.burnAboveFloor ? (state.costFloor ?? 0) : 0;
}

/** Runs of a trailing window the cost tests count (real runs of a polling scenario; states before: all). */
const costRuns = (w: RecentWindow): number => w[5] ?? w[1];

/** log(1 + centicredits per run above the floor) pooled over the trailing burn span; null when it had no runs. */
function pooledBurn(state: ScenarioState, config: AnomalyConfig): number | null {
  const windows = trailing(state, config.burnSpanWindows);
  const executions = windows.reduce((sum, w) => sum + costRuns(w), 0);
  if (executions === 0) return null;
  const credits = windows.reduce((sum, w) => sum + w[4], 0);
  return Math.log(1 + Math.max(0, credits - burnFloor(state, config) * executions) / executions);
}

function burnFinding(
  state: ScenarioState,
  config: AnomalyConfig,
  current: number | null,
  realOnly: boolean,
): Finding | null {
  const executions = trailing(state, config.burnSpanWindows).reduce((sum, w) => sum + costRuns(w), 0);
  if (executions < config.burnMinExecutions) return null;
  const shift = levelShift({ settings: config.burn, history: state.burnHistory, current, pooled: [], spans: [] });
  if (shift === null) return null;
  const observed = Math.exp(shift.value) - 1;
  const baseline = Math.exp(shift.center) - 1;
  const minutes = (config.burnSpanWindows * config.windowSizeMs) / 60_000;
  const floor = burnFloor(state, config);
  const above = floor > 0 ? ` above the ${round(floor / 100)} its cheapest runs cost` : '';
  return {
    detector: 'burn-surge',
    metric: 'centicredits_per_execution',
    direction: 'ABOVE',
    observed,
    baseline,
    expectedLow: Math.max(0, Math.exp(shift.center - config.burn.threshold * shift.spread) - 1),
    expectedHigh: Math.exp(shift.center + config.burn.threshold * shift.spread) - 1,
    score: shift.score,
    threshold: config.burn.threshold,
    explanation:
      `Scenario ${state.scenarioId} burned ${round(observed / 100)} credits per ${realOnly ? 'real ' : ''}run${above} over the last ${minutes} minutes, ` +
      `${(observed / Math.max(baseline, 1e-9)).toFixed(1)}× its usual ${round(baseline / 100)}.`,
  };
}

/**
 * Log mean duration of a window (per run, or per operation with `perOperation`); null when empty or
 * the duration sum is unknown.
 */
function logMeanDuration(window: WindowObservation, perOperation = false): number | null {
  if (window.executions === 0 || window.durationSumMs === undefined || window.durationSumMs === null) return null;
  const per = perOperation ? Math.max(1, window.operations) : window.executions;
  return Math.log(Math.max(1, window.durationSumMs / per));
}

/** log(1 + centicredits per run above `floor`) of a single window; null when empty. */
function logBurn(window: WindowObservation, floor: number): number | null {
  if (window.executions === 0) return null;
  return Math.log(1 + Math.max(0, window.centicredits - floor * window.executions) / window.executions);
}

/** The sequential steps of this window (computed once: the finding reads them, `takeIn` stores the sums). */
interface SequentialSteps {
  readonly latency: SequentialStep | null;
  readonly burn: SequentialStep | null;
  /** Per-run likelihood-ratio CUSUM (`runlr.ts`). */
  readonly runRatio: RunRatioStep | null;
}

function sequentialSteps(state: ScenarioState, window: WindowObservation, config: AnomalyConfig): SequentialSteps {
  return {
    latency: sequentialStep(
      config.latencySequential,
      state.latencyMeans ?? [],
      state.latencyCusum ?? 0,
      logMeanDuration(window, config.latencySequential.perOperation),
    ),
    burn: sequentialStep(
      config.burnSequential,
      state.burnSingles ?? [],
      state.burnCusum ?? 0,
      logBurn(window, burnFloor(state, config)),
    ),
    runRatio: window.runDurations
      ? runRatioStep(
          config.latencyRunRatio,
          state.runHistogram ?? {},
          state.runRatioSum ?? 0,
          toRunBins(window.runDurations),
        )
      : null,
  };
}

function sequentialLatencyFinding(
  state: ScenarioState,
  config: AnomalyConfig,
  window: CostView,
  step: SequentialStep | null,
): Finding | null {
  const perOperation = config.latencySequential.perOperation;
  const value = logMeanDuration(window, perOperation);
  if (step === null || !step.flagged || value === null) return null;
  const observed = Math.exp(value);
  const baseline = Math.exp(step.center);
  return {
    detector: 'latency-regression',
    metric: perOperation ? 'duration_per_operation_ms' : 'duration_mean_ms',
    direction: 'ABOVE',
    observed,
    baseline,
    expectedLow: null,
    expectedHigh: Math.exp(step.center + config.latencySequential.drift * step.spread),
    score: step.sum,
    threshold: config.latencySequential.threshold,
    explanation:
      `Mean duration${perOperation ? ' per operation' : ''}${window.realOnly ? ' of real runs' : ''} of scenario ${state.scenarioId} has stayed above its usual ${round(baseline / 1000)} s ` +
      `for several windows and is now ${round(observed / 1000)} s (${(observed / baseline).toFixed(1)}×).`,
  };
}

function sequentialBurnFinding(
  state: ScenarioState,
  config: AnomalyConfig,
  window: CostView,
  step: SequentialStep | null,
): Finding | null {
  const value = logBurn(window, burnFloor(state, config));
  if (step === null || !step.flagged || value === null) return null;
  const observed = Math.exp(value) - 1;
  const baseline = Math.exp(step.center) - 1;
  return {
    detector: 'burn-surge',
    metric: 'centicredits_per_execution',
    direction: 'ABOVE',
    observed,
    baseline,
    expectedLow: null,
    expectedHigh: Math.exp(step.center + config.burnSequential.drift * step.spread) - 1,
    score: step.sum,
    threshold: config.burnSequential.threshold,
    explanation:
      `Scenario ${state.scenarioId} has burned more credits per ${window.realOnly ? 'real ' : ''}run than its usual ${round(baseline / 100)} ` +
      `for several windows: ${round(observed / 100)} per run now (${(observed / Math.max(baseline, 1e-9)).toFixed(1)}×).`,
  };
}

function volumeFinding(state: ScenarioState, config: AnomalyConfig, minutes: number): Finding | null {
  const settings = config.volume;
  if (!settings.enabled || state.volumeSamples < settings.minSamples) return null;
  let best: { score: number; observed: number; expected: number; windows: number } | null = null;
  for (const span of [config.volumeSpanWindows, ...settings.longerSpans]) {
    if (state.recent.length < span) continue;
    const windows = trailing(state, span);
    const observed = windows.reduce((sum, w) => sum + w[1], 0);
    const expected = windows.reduce((sum, w) => sum + expectedVolume(state, config, w[0]), 0);
    if (expected < settings.minExpected || observed > expected * (1 - settings.minDrop)) continue;
    const score = poissonLowerTailScore(observed, expected);
    if (best === null || score > best.score) best = { score, observed, expected, windows: span };
  }
  if (best === null || best.score < settings.threshold) return null;
  const { score, observed, expected } = best;

  const spread = 3 * Math.sqrt(expected);
  return {
    detector: 'volume-drop',
    metric: 'executions',
    direction: 'BELOW',
    observed,
    baseline: expected,
    expectedLow: Math.max(0, expected - spread),
    expectedHigh: expected + spread,
    score,
    threshold: settings.threshold,
    explanation:
      `Scenario ${state.scenarioId} ran ${observed} times in the last ${best.windows * minutes} minutes, ` +
      `${percent(1 - observed / expected)} fewer than the ${round(expected)} expected at this time of day.`,
  };
}

function pushBounded(list: number[], value: number, limit: number): void {
  list.push(value);
  if (list.length > limit) list.splice(0, list.length - limit);
}

/**
 * Takes one window (real or filled-in empty) into the trailing state and the baselines; `view` is
 * what the cost and latency tests read of it (`realruns.ts`).
 */
function takeIn(
  state: ScenarioState,
  window: WindowObservation,
  view: WindowObservation,
  config: AnomalyConfig,
  flagged: Set<string>,
  steps: SequentialSteps | null,
): void {
  if (steps?.latency) state.latencyCusum = steps.latency.sum;
  if (steps?.burn) state.burnCusum = steps.burn.sum;
  if (steps?.runRatio) state.runRatioSum = steps.runRatio.sum;
  // Cost and latency baselines learn again after a long unbroken run of flags (realruns.ts).
  const learns = (detector: string) => !flagged.has(detector) || relearns(state, detector, config);
  const logMean = logMeanDuration(view, config.latencySequential.perOperation);
  if (logMean !== null && learns('latency-regression')) {
    pushBounded((state.latencyMeans ??= []), logMean, config.historyWindows);
  }
  const logSingle = logBurn(view, burnFloor(state, config));
  if (logSingle !== null && learns('burn-surge')) {
    pushBounded((state.burnSingles ??= []), logSingle, config.historyWindows);
  }
  if (view.runDurations && learns('latency-regression')) {
    addRuns((state.runHistogram ??= {}), toRunBins(view.runDurations), config.latencyRuns.halfLifeRuns);
  }
  const decay = Math.pow(0.5, 1 / config.baselineHalfLifeWindows);
  if (!flagged.has('error-rate-spike')) {
    state.errorExecutions = state.errorExecutions * decay + window.executions;
    state.errorCount = state.errorCount * decay + window.errors;
  }
  const logP95 =
    view.durationP95Ms === null || view.executions === 0 ? null : Math.log(Math.max(1, view.durationP95Ms));
  const logCost = view.executions === 0 ? null : pooledBurn(state, config);
  if (logP95 !== null && learns('latency-regression')) {
    pushBounded(state.latencyHistory, logP95, config.historyWindows);
  }
  if (logCost !== null && learns('burn-surge')) pushBounded(state.burnHistory, logCost, config.historyWindows);
  if (view.executions > 0) {
    const perRun = view.centicredits / view.executions;
    if (state.costFloor === undefined || perRun < state.costFloor) state.costFloor = perRun;
  }
  if (!flagged.has('volume-drop')) {
    const slot = state.volumeSlots[Math.floor(window.windowStart / hourMs) % 24] as [number, number];
    slot[1] += 1;
    slot[0] += (window.executions - slot[0]) / Math.min(slot[1], 36);
    state.volumeSamples += 1;
    state.volumeMean += (window.executions - state.volumeMean) / Math.min(state.volumeSamples, 864);
  }
  if (window.executions > 0) {
    if (state.lastActiveStart !== null && !state.silenceReported) {
      addGap(state, Math.round((window.windowStart - state.lastActiveStart) / state.windowSizeMs), config);
    }
    state.lastActiveStart = window.windowStart;
    state.silenceReported = false;
  }
  addRunMix(state, window, config);
  state.lastWindowEnd = window.windowEnd;
}

function appendRecent(
  state: ScenarioState,
  window: WindowObservation,
  view: WindowObservation,
  config: AnomalyConfig,
): void {
  const logP95 =
    view.durationP95Ms === null || view.executions === 0 ? null : Math.log(Math.max(1, view.durationP95Ms));
  state.recent.push([window.windowStart, window.executions, window.errors, logP95, view.centicredits, view.executions]);
  const keep = Math.max(
    2 * config.spanWindows,
    config.volumeSpanWindows,
    config.burnSpanWindows,
    ...config.volume.longerSpans,
    ...config.errorRate.longerSpans,
  );
  if (state.recent.length > keep) state.recent.splice(0, state.recent.length - keep);
  const runs = (state.recentRuns ??= []);
  runs.push(view.runDurations ? toRunBins(view.runDurations) : []);
  const keepRuns = Math.max(...config.latencyRuns.spans);
  if (runs.length > keepRuns) runs.splice(0, runs.length - keepRuns);
}

function emptyWindow(state: ScenarioState, windowStart: number): WindowObservation {
  return {
    zone: state.zone,
    scenarioId: state.scenarioId,
    organizationId: state.organizationId,
    teamId: state.teamId,
    windowStart,
    windowEnd: windowStart + state.windowSizeMs,
    executions: 0,
    errors: 0,
    operations: 0,
    centicredits: 0,
    durationP95Ms: null,
  };
}

/**
 * Takes in one final window of the scenario and returns the anomalies it shows. `state` is owned by
 * the call (it is updated in place and returned). Windows must come in time order per scenario; a
 * window that starts before the end of the last one taken in (a duplicate or a revision) changes
 * nothing and reports nothing. Missing windows between two windows are taken in as empty ones.
 */
export function observeWindow(
  previous: ScenarioState | undefined,
  window: WindowObservation,
  config: AnomalyConfig,
): WindowResult {
  const state = previous ?? initialState(window, config);
  if (state.lastWindowEnd !== null && window.windowStart < state.lastWindowEnd) return { state, anomalies: [] };
  if (window.organizationId !== null) state.organizationId = window.organizationId;
  if (window.teamId !== null) state.teamId = window.teamId;
  if (state.lastWindowEnd !== null) {
    const missing = Math.floor((window.windowStart - state.lastWindowEnd) / config.windowSizeMs);
    if (missing > config.maxGapFillWindows) {
      state.recent = [];
      state.recentRuns = [];
    } else {
      for (let i = 0; i < missing; i++) {
        const empty = emptyWindow(state, state.lastWindowEnd);
        appendRecent(state, empty, empty, config);
        takeIn(state, empty, empty, config, new Set(), null);
      }
    }
  }
  const view = costView(state, window, config);
  enterCostView(state, view, config);
  appendRecent(state, window, view, config);
  const minutes = config.windowSizeMs / 60_000;
  const last = state.recent[state.recent.length - 1] as RecentWindow;
  // A polling scenario's real-run baselines warm up first: they learn, nothing tests (realruns.ts).
  const warming = costViewWarmingUp(state, view, config);
  const steps = warming ? { latency: null, burn: null, runRatio: null } : sequentialSteps(state, view, config);
  // One anomaly per detector and window: level shift first, then the per-run test, then the CUSUM.
  const findings = [
    errorFinding(state, config, minutes),
    warming
      ? null
      : (latencyFinding(state, config, last[3], view.realOnly) ??
        runsLatencyFinding(state, config) ??
        runRatioFinding(state, config, steps.runRatio) ??
        sequentialLatencyFinding(state, config, view, steps.latency)),
    warming
      ? null
      : (burnFinding(state, config, costRuns(last) === 0 ? null : pooledBurn(state, config), view.realOnly) ??
        sequentialBurnFinding(state, config, view, steps.burn)),
    volumeFinding(state, config, minutes),
  ].filter((finding): finding is Finding => finding !== null);
  const flagged = new Set(findings.map((finding) => finding.detector));
  if (view.executions > 0) countFlagStreaks(state, flagged);
  takeIn(state, window, view, config, flagged, steps);
  const reported = confirmFindings(state, window.windowEnd, findings, config.confirmation);
  return {
    state,
    anomalies: reported.map((finding) => toAnomaly(state, window.windowStart, window.windowEnd, finding)),
  };
}
