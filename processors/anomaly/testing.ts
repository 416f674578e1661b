/**
 * Test helpers: deterministic synthetic window series (a small LCG, no Math.random) and their
 * MetricWindow form, for the detector, processor and CLI tests.
 */
import { metricWindowEventId } from '../../pipeline/ids.js';
import type { MetricWindow } from '../../schemas/generated/types.js';
import type { WindowObservation } from './detector.js';
import { runsP95 } from './realruns.js';

/** Start of the synthetic series: 2026-01-05T00:00Z. */
export const seriesStart = Date.UTC(2026, 0, 5);
/** Window size of the series: 5 minutes. */
export const windowMs = 300_000;

/** A deterministic pseudo-random stream in [0, 1). */
export function lcg(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** What changes the normal series from a window index on. */
export interface SeriesEffect {
  readonly from: number;
  readonly to: number;
  readonly errorRate?: number;
  readonly durationFactor?: number;
  readonly costFactor?: number;
  readonly volumeFactor?: number;
}

/** A normal series: ~`executions` runs per window, 2% errors, p95 ≈ 2 s, 3 credits per run, plus effects. */
export function series(options: {
  readonly scenarioId: number;
  readonly windows: number;
  readonly executions?: number;
  readonly seed?: number;
  readonly effects?: readonly SeriesEffect[];
  readonly zone?: string;
}): WindowObservation[] {
  const random = lcg(options.seed ?? options.scenarioId);
  const base = options.executions ?? 10;
  return Array.from({ length: options.windows }, (_, index) => {
    const effect = (options.effects ?? []).find((e) => index >= e.from && index < e.to);
    const executions = Math.max(0, Math.round(base * (effect?.volumeFactor ?? 1) * (0.8 + 0.4 * random())));
    const errorRate = effect?.errorRate ?? 0.02;
    let errors = 0;
    for (let i = 0; i < executions; i++) if (random() < errorRate) errors += 1;
    const p95 = 2000 * (0.85 + 0.3 * random()) * (effect?.durationFactor ?? 1);
    const cost = 300 * (0.9 + 0.2 * random()) * (effect?.costFactor ?? 1);
    const windowStart = seriesStart + index * windowMs;
    return {
      zone: options.zone ?? 'eu1.make.com',
      scenarioId: options.scenarioId,
      organizationId: 4711,
      teamId: 9001,
      windowStart,
      windowEnd: windowStart + windowMs,
      executions,
      errors,
      operations: Math.round((executions * cost) / 100),
      centicredits: Math.round(executions * cost),
      durationP95Ms: executions === 0 ? null : Math.round(p95),
      // Mean duration ~60% of the p95 (no extra random draw: existing series keep their values).
      durationSumMs: executions * Math.round(0.6 * p95),
    };
  });
}

/** The final MetricWindow record of an observation. */
export function toMetricWindow(observation: WindowObservation): MetricWindow {
  const windowSizeMs = observation.windowEnd - observation.windowStart;
  return {
    eventId: metricWindowEventId({
      zone: observation.zone,
      scenarioId: observation.scenarioId,
      windowSizeMs,
      windowStart: observation.windowStart,
      revision: 0,
    }),
    zone: observation.zone,
    scenarioId: observation.scenarioId,
    organizationId: observation.organizationId,
    teamId: observation.teamId,
    windowSizeMs,
    windowStart: observation.windowStart,
    windowEnd: observation.windowEnd,
    revision: 0,
    isFinal: true,
    executions: observation.executions,
    successes: observation.executions - observation.errors,
    warnings: 0,
    errors: observation.errors,
    others: 0,
    operations: observation.operations,
    transfer: 0,
    centicredits: observation.centicredits,
    durationSumMs: observation.durationSumMs ?? 0,
    durationMinMs: null,
    durationMaxMs: null,
    durationP50Ms: observation.durationP95Ms,
    durationP95Ms: observation.durationP95Ms,
    durationP99Ms: observation.durationP95Ms,
    errorRate: observation.executions === 0 ? 0 : observation.errors / observation.executions,
    scope: 'SCENARIO',
    scopeId: observation.scenarioId,
    scenarioCount: 1,
    durationSketch: null,
    realRuns: observation.realRuns?.executions ?? null,
    realRunOperations: observation.realRuns?.operations ?? null,
    realRunCenticredits: observation.realRuns?.centicredits ?? null,
    realRunDurationSumMs: observation.realRuns?.durationSumMs ?? null,
    realRunDurationSketch: null,
  };
}

/**
 * A polling scenario: three check runs a window (1 operation, 100 centicredits, 300 ms each) and 0–2
 * real runs (3–8 operations, 300–1500 centicredits, 2–6 s); from window `from` on the real runs burn
 * `costFactor` × as much and take `durationFactor` × as long.
 */
export function polling(
  from: number,
  costFactor: number,
  durationFactor = 1,
  options: { readonly to?: number; readonly operationsFactor?: number; readonly days?: number } = {},
): WindowObservation[] {
  const random = lcg(33);
  const to = options.to ?? Infinity;
  return series({ scenarioId: 502, windows: (options.days ?? 2) * 288, executions: 3 }).map((window, index) => {
    const realCount = random() < 0.5 ? 0 : random() < 0.7 ? 1 : 2;
    const during = index >= from && index < to;
    const factor = during ? costFactor : 1;
    const slow = during ? durationFactor : 1;
    const real = { executions: realCount, operations: 0, centicredits: 0, durations: [] as number[] };
    for (let i = 0; i < realCount; i++) {
      real.operations += Math.round((3 + Math.floor(5 * random())) * (during ? (options.operationsFactor ?? 1) : 1));
      real.centicredits += Math.round((300 + 1200 * random()) * factor);
      real.durations.push(Math.round((2000 + 4000 * random()) * slow));
    }
    const durations = [300, 310, 290, ...real.durations];
    const runs = durations.map((d) => [d, 1] as const);
    const realRuns = real.durations.map((d) => [d, 1] as const);
    return {
      ...window,
      executions: 3 + realCount,
      errors: 0,
      operations: 3 + real.operations,
      centicredits: 300 + real.centicredits,
      durationSumMs: durations.reduce((a, b) => a + b, 0),
      durationP95Ms: runsP95(runs),
      runDurations: runs,
      realRuns: {
        executions: realCount,
        operations: real.operations,
        centicredits: real.centicredits,
        durationSumMs: real.durations.reduce((a, b) => a + b, 0),
        durationP95Ms: runsP95(realRuns),
        runDurations: realRuns,
      },
    };
  });
}
