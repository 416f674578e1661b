/**
 * The mergeable totals of a metric window: counts, sums, min/max and the duration sketch. Pure
 * functions over plain JSON objects (window state is stored as JSON), shared by the scenario
 * aggregate and the team/organization rollup.
 */
import type { ExecutionStatus, MetricWindow, ScenarioExecution } from '../../schemas/generated/types.js';
import type { DurationSketch, DurationSketcher } from './sketch.js';

/** Totals of the executions of one window (JSON-serialisable, mutable state). */
export interface WindowTotals {
  executions: number;
  successes: number;
  warnings: number;
  errors: number;
  others: number;
  operations: number;
  transfer: number;
  centicredits: number;
  durationSumMs: number;
  durationMinMs: number | null;
  durationMaxMs: number | null;
  durationSketch: DurationSketch;
  /**
   * Totals of the window's real runs (`isRealRun`), kept apart so a polling scenario's real runs can
   * be judged without its check runs. Absent in window state written before it existed (the
   * window's real-run fields are then null: a partial count would be wrong) and in rollups.
   */
  real?: RealRunTotals;
}

/** Totals of a window's real runs (see `isRealRun`). */
export interface RealRunTotals {
  executions: number;
  operations: number;
  centicredits: number;
  durationSumMs: number;
  durationSketch: DurationSketch;
}

/**
 * A real run does work: more than one operation. A polling scenario's check run that found nothing
 * uses only its trigger's one operation (Make bills a run at least one operation), and so does a run
 * that failed in its first module; both are cheap and quick, and mixing them with real runs dilutes
 * a window's cost and duration per run (bench/anomaly/README.md, fourth and fifth rounds).
 */
export function isRealRun(execution: Pick<ScenarioExecution, 'operations'>): boolean {
  return execution.operations > 1;
}

/** The part of a ScenarioExecution the aggregate reads. */
export type ExecutionFacts = Pick<
  ScenarioExecution,
  'status' | 'duration' | 'operations' | 'transfer' | 'centicredits'
>;

/** Empty totals; `realRuns: false` leaves the real-run totals out (rollups). */
export function emptyTotals(sketcher: DurationSketcher, realRuns = true): WindowTotals {
  const totals: WindowTotals = {
    executions: 0,
    successes: 0,
    warnings: 0,
    errors: 0,
    others: 0,
    operations: 0,
    transfer: 0,
    centicredits: 0,
    durationSumMs: 0,
    durationMinMs: null,
    durationMaxMs: null,
    durationSketch: sketcher.empty(),
    real: {
      executions: 0,
      operations: 0,
      centicredits: 0,
      durationSumMs: 0,
      durationSketch: sketcher.empty(),
    },
  };
  if (!realRuns) delete totals.real;
  return totals;
}

/**
 * Adds one execution. A negative duration (clock skew at Make) counts as 0 ms so the execution
 * still counts; the caller counts it as a data-quality event.
 */
export function addExecution(totals: WindowTotals, execution: ExecutionFacts, sketcher: DurationSketcher): void {
  totals.executions += 1;
  countStatus(totals, execution.status);
  totals.operations += execution.operations;
  totals.transfer += execution.transfer;
  totals.centicredits += execution.centicredits ?? 0;
  const duration = execution.duration > 0 ? execution.duration : 0;
  totals.durationSumMs += duration;
  if (totals.durationMinMs === null || duration < totals.durationMinMs) totals.durationMinMs = duration;
  if (totals.durationMaxMs === null || duration > totals.durationMaxMs) totals.durationMaxMs = duration;
  sketcher.add(totals.durationSketch, duration);
  const real = totals.real;
  if (real !== undefined && isRealRun(execution)) {
    real.executions += 1;
    real.operations += execution.operations;
    real.centicredits += execution.centicredits ?? 0;
    real.durationSumMs += duration;
    sketcher.add(real.durationSketch, duration);
  }
}

function countStatus(totals: WindowTotals, status: ExecutionStatus): void {
  switch (status) {
    case 'SUCCESS':
      totals.successes += 1;
      return;
    case 'WARNING':
      totals.warnings += 1;
      return;
    case 'ERROR':
      totals.errors += 1;
      return;
    default:
      totals.others += 1;
  }
}

/**
 * Adds `from` into `into` (commutative and associative: merge order never changes the result). Real-run
 * totals stay only when both sides have them (rollup contributions carry none: rollups have none).
 */
export function mergeTotals(into: WindowTotals, from: WindowTotals, sketcher: DurationSketcher): void {
  into.executions += from.executions;
  into.successes += from.successes;
  into.warnings += from.warnings;
  into.errors += from.errors;
  into.others += from.others;
  into.operations += from.operations;
  into.transfer += from.transfer;
  into.centicredits += from.centicredits;
  into.durationSumMs += from.durationSumMs;
  into.durationMinMs = minOf(into.durationMinMs, from.durationMinMs);
  into.durationMaxMs = maxOf(into.durationMaxMs, from.durationMaxMs);
  sketcher.merge(into.durationSketch, from.durationSketch);
  if (into.real !== undefined && from.real !== undefined) {
    into.real.executions += from.real.executions;
    into.real.operations += from.real.operations;
    into.real.centicredits += from.real.centicredits;
    into.real.durationSumMs += from.real.durationSumMs;
    sketcher.merge(into.real.durationSketch, from.real.durationSketch);
  } else delete into.real;
}

const minOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

/** The MetricWindow fields computed from totals (counts, error rate, durations, quantiles, sketch). */
export type TotalsFields = Pick<
  MetricWindow,
  | 'executions'
  | 'successes'
  | 'warnings'
  | 'errors'
  | 'others'
  | 'operations'
  | 'transfer'
  | 'centicredits'
  | 'durationSumMs'
  | 'durationMinMs'
  | 'durationMaxMs'
  | 'durationP50Ms'
  | 'durationP95Ms'
  | 'durationP99Ms'
  | 'errorRate'
  | 'durationSketch'
  | 'realRuns'
  | 'realRunOperations'
  | 'realRunCenticredits'
  | 'realRunDurationSumMs'
  | 'realRunDurationSketch'
>;

/**
 * MetricWindow fields from totals. Quantile estimates are clamped to the exact min/max (a bin's
 * representative value can lie just outside the values seen). `keepSketch` writes the encoded
 * sketch into `durationSketch` (and the real runs' into `realRunDurationSketch`).
 */
export function totalsFields(
  totals: WindowTotals,
  sketcher: DurationSketcher,
  keepSketch: boolean,
  encodedSketch?: Buffer,
): TotalsFields {
  const real = totals.real;
  const [p50, p95, p99] = sketcher.quantiles(totals.durationSketch, [0.5, 0.95, 0.99]);
  const clamp = (value: number | null | undefined): number | null =>
    value === null || value === undefined || totals.durationMinMs === null || totals.durationMaxMs === null
      ? null
      : Math.min(totals.durationMaxMs, Math.max(totals.durationMinMs, value));
  return {
    executions: totals.executions,
    successes: totals.successes,
    warnings: totals.warnings,
    errors: totals.errors,
    others: totals.others,
    operations: totals.operations,
    transfer: totals.transfer,
    centicredits: totals.centicredits,
    durationSumMs: totals.durationSumMs,
    durationMinMs: totals.durationMinMs,
    durationMaxMs: totals.durationMaxMs,
    durationP50Ms: clamp(p50),
    durationP95Ms: clamp(p95),
    durationP99Ms: clamp(p99),
    errorRate: totals.executions === 0 ? 0 : totals.errors / totals.executions,
    durationSketch: keepSketch ? (encodedSketch ?? sketcher.encode(totals.durationSketch)) : null,
    realRuns: real?.executions ?? null,
    realRunOperations: real?.operations ?? null,
    realRunCenticredits: real?.centicredits ?? null,
    realRunDurationSumMs: real?.durationSumMs ?? null,
    realRunDurationSketch: keepSketch && real !== undefined ? sketcher.encode(real.durationSketch) : null,
  };
}
