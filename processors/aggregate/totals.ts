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
}

/** The part of a ScenarioExecution the aggregate reads. */
export type ExecutionFacts = Pick<
  ScenarioExecution,
  'status' | 'duration' | 'operations' | 'transfer' | 'centicredits'
>;

/** Empty totals. */
export function emptyTotals(sketcher: DurationSketcher): WindowTotals {
  return {
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
  };
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

/** Adds `from` into `into` (commutative and associative: merge order never changes the result). */
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
>;

/**
 * MetricWindow fields from totals. Quantile estimates are clamped to the exact min/max (a bin's
 * representative value can lie just outside the values seen). `keepSketch` writes the encoded
 * sketch into `durationSketch`.
 */
export function totalsFields(
  totals: WindowTotals,
  sketcher: DurationSketcher,
  keepSketch: boolean,
  encodedSketch?: Buffer,
): TotalsFields {
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
  };
}
