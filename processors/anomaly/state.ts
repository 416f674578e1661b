/**
 * The per-scenario detector state and what every detector shares: the Anomaly record builder, the
 * severity scale and the seasonal volume expectation. See `detector.ts` for what the state holds.
 */
import type { Anomaly, AnomalyDirection, Severity } from '../../schemas/generated/types.js';
import { anomalyEventId } from '../../pipeline/ids.js';
import type { AnomalyConfig } from './config.js';
import type { RunBins, RunDurations } from './runs.js';

/** What the detector reads from one (final) metric window of one scenario. */
export interface WindowObservation {
  readonly zone: string;
  readonly scenarioId: number;
  readonly organizationId: number | null;
  readonly teamId: number | null;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly executions: number;
  readonly errors: number;
  readonly operations: number;
  readonly centicredits: number;
  /** null when the window had no executions. */
  readonly durationP95Ms: number | null;
  /** Sum of the durations of the window's executions (ms); absent/null: unknown (no mean-duration test). */
  readonly durationSumMs?: number | null;
  /** The window's run durations as [duration ms, runs] (exact, or sketch bins); absent/null: unknown (no per-run test). */
  readonly runDurations?: RunDurations | null;
  /** The window's real runs (more than one operation, `isRealRun` of the aggregate); absent/null: unknown. */
  readonly realRuns?: RealRunsObservation | null;
}

/** What the detector reads of a window's real runs (MetricWindow `realRun*` fields). */
export interface RealRunsObservation {
  readonly executions: number;
  readonly operations: number;
  readonly centicredits: number;
  readonly durationSumMs: number;
  /** p95 of the real runs' durations; null when none or unknown (no sketch kept). */
  readonly durationP95Ms: number | null;
  /** The real runs' durations as [duration ms, runs]; null when unknown. */
  readonly runDurations: RunDurations | null;
}

/**
 * One trailing window: [windowStart, executions, errors, log p95 or null, centicredits, cost runs].
 * The last three are of the runs the cost and latency tests judge (`realruns.ts`: a polling
 * scenario's real runs, else all runs); cost runs is absent in states written before it (read
 * executions then).
 */
export type RecentWindow = [number, number, number, number | null, number, number?];

/** A scenario's detector state (JSON-serialisable; kept in the processor's `scenarios` store). */
export interface ScenarioState {
  readonly zone: string;
  readonly scenarioId: number;
  organizationId: number | null;
  teamId: number | null;
  windowSizeMs: number;
  /** End of the last window taken in (real or filled), null before the first. */
  lastWindowEnd: number | null;
  recent: RecentWindow[];
  errorExecutions: number;
  errorCount: number;
  latencyHistory: number[];
  burnHistory: number[];
  /** Log mean duration of recent non-empty windows (sequential latency test); absent in older states. */
  latencyMeans?: number[];
  /** CUSUM of the sequential latency test. */
  latencyCusum?: number;
  /** log(1 + centicredits per run) of recent single non-empty windows (sequential burn test). */
  burnSingles?: number[];
  /** CUSUM of the sequential burn test. */
  burnCusum?: number;
  /** Decayed histogram of run durations (per-run latency test): coarse log bin → weight; absent in older states. */
  runHistogram?: Record<string, number>;
  /** End of each detector's last raw finding (confirmation rule, `confirm.ts`); absent in older states. */
  lastFindingEnd?: Record<string, number>;
  /** Lowest centicredits per run of any non-empty window so far (burn tests' floor); absent in older states. */
  costFloor?: number;
  /** CUSUM of the per-run likelihood-ratio latency test (`runlr.ts`); absent in older states. */
  runRatioSum?: number;
  /** Coarse run bins of the trailing windows (empty ones included), oldest first. */
  recentRuns?: RunBins[];
  /**
   * Decayed [check runs, runs] of windows that said how many of their runs were real (`realruns.ts`):
   * decides whether the cost and latency tests judge only real runs. Absent in older states.
   */
  runMix?: [number, number];
  /** windowStart of the first window judged on real runs (`realruns.ts` warm-up); absent before it and in older states. */
  costViewSince?: number;
  /** Windows with real runs judged on real runs so far (`realruns.ts` warm-up); absent in older states. */
  costViewWindows?: number;
  /** Windows with runs to judge flagged in a row, per cost/latency detector (`realruns.ts`); absent in older states. */
  flagStreaks?: Record<string, number>;
  /** [mean executions per window, windows seen] per UTC hour of day. */
  volumeSlots: [number, number][];
  volumeMean: number;
  volumeSamples: number;
  lastActiveStart: number | null;
  /** Decayed histogram of gaps between the starts of active windows: [gap in windows, weight], ascending. */
  gaps: [number, number][];
  silenceReported: boolean;
}

/** What one window produced. */
export interface WindowResult {
  readonly state: ScenarioState;
  readonly anomalies: Anomaly[];
}

export const hourMs = 3_600_000;

/** A new, empty state for the scenario of `observation`. */
export function initialState(observation: WindowObservation, config: AnomalyConfig): ScenarioState {
  return {
    zone: observation.zone,
    scenarioId: observation.scenarioId,
    organizationId: observation.organizationId,
    teamId: observation.teamId,
    windowSizeMs: config.windowSizeMs,
    lastWindowEnd: null,
    recent: [],
    errorExecutions: 0,
    errorCount: 0,
    latencyHistory: [],
    burnHistory: [],
    latencyMeans: [],
    latencyCusum: 0,
    burnSingles: [],
    burnCusum: 0,
    runHistogram: {},
    recentRuns: [],
    volumeSlots: Array.from({ length: 24 }, (): [number, number] => [0, 0]),
    volumeMean: 0,
    volumeSamples: 0,
    lastActiveStart: null,
    gaps: [],
    silenceReported: false,
  };
}

/** Severity from how far the score is past the threshold. */
export function severityOf(score: number, threshold: number): Severity {
  const ratio = score / threshold;
  if (ratio >= 3) return 'CRITICAL';
  if (ratio >= 2) return 'HIGH';
  if (ratio >= 1.25) return 'MEDIUM';
  return 'LOW';
}

/** A share as a readable percentage. */
export const percent = (value: number) => `${(value * 100).toFixed(value < 0.1 ? 1 : 0)}%`;
/** A number with three significant digits (whole numbers from 100). */
export const round = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));
/** Avro doubles here must be finite (an impossible event scores Infinity). */
export const finite = (value: number) => (Number.isFinite(value) ? value : Number.MAX_VALUE);

/** A detector's verdict before it becomes an Anomaly record. */
export interface Finding {
  readonly detector: string;
  readonly metric: string;
  readonly direction: AnomalyDirection;
  readonly observed: number;
  readonly baseline: number;
  readonly expectedLow: number | null;
  readonly expectedHigh: number | null;
  readonly score: number;
  readonly threshold: number;
  readonly severity?: Severity;
  readonly explanation: string;
}

/** Builds the Anomaly record of `finding` for the window [windowStart, windowEnd). */
export function toAnomaly(state: ScenarioState, windowStart: number, windowEnd: number, finding: Finding): Anomaly {
  const windowSizeMs = windowEnd - windowStart;
  return {
    eventId: anomalyEventId({
      zone: state.zone,
      scenarioId: state.scenarioId,
      detector: finding.detector,
      metric: finding.metric,
      windowSizeMs,
      windowStart,
    }),
    zone: state.zone,
    scenarioId: state.scenarioId,
    organizationId: state.organizationId,
    teamId: state.teamId,
    detector: finding.detector,
    metric: finding.metric,
    windowSizeMs,
    windowStart,
    windowEnd,
    direction: finding.direction,
    observed: finite(finding.observed),
    baseline: finite(finding.baseline),
    expectedLow: finding.expectedLow,
    expectedHigh: finding.expectedHigh,
    score: finite(finding.score),
    threshold: finding.threshold,
    severity: finding.severity ?? severityOf(finding.score, finding.threshold),
    explanation: finding.explanation,
  };
}

/** Expected executions in the window starting at `windowStart`: its hour-of-day slot, else the all-day mean. */
export function expectedVolume(state: ScenarioState, config: AnomalyConfig, windowStart: number): number {
  const slot = state.volumeSlots[Math.floor(windowStart / hourMs) % 24] as [number, number];
  return slot[1] >= config.volume.minSlotSamples ? slot[0] : state.volumeMean;
}
