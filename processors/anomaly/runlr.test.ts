import { describe, expect, it } from '@jest/globals';
import { parseAnomalyConfig } from './config.js';
import type { WindowObservation } from './detector.js';
import { createOfflineDetector } from './offline.js';
import { runBin, addRuns, toRunBins, type RunBins } from './runs.js';
import { runLogRatio, runRatioStep } from './runlr.js';
import { lcg, series } from './testing.js';

// Off by default (it added no recall on the evaluation's train seeds): the tests turn it on.
const settings = parseAnomalyConfig({ latencyRunRatio: { enabled: true } }).latencyRunRatio;
const halfLife = parseAnomalyConfig({}).latencyRuns.halfLifeRuns;

/** Log-normal durations around `medianMs` (σ 0.35), deterministic. */
function durations(random: () => number, count: number, medianMs: number): number[] {
  return Array.from({ length: count }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.round(medianMs * Math.exp(0.35 * normal));
  });
}

const bins = (values: readonly number[]): RunBins => toRunBins(values.map((d) => [d, 1]));

function baseline(random: () => number, runs: number): Record<string, number> {
  const histogram: Record<string, number> = {};
  for (let i = 0; i < runs; i += 4) addRuns(histogram, bins(durations(random, 4, 2000)), halfLife);
  return histogram;
}

describe('per-run likelihood-ratio CUSUM', () => {
  it('scores a run by where it sits: slow runs for a slowdown, usual runs against it', () => {
    const histogram = baseline(lcg(1), 1200);
    const shifts = [4, 9, 14];
    const pseudo = 0.02;
    expect(runLogRatio(histogram, runBin(2000), shifts, pseudo)).toBeLessThan(0);
    expect(runLogRatio(histogram, runBin(5000), shifts, pseudo)).toBeGreaterThan(1);
    // Far beyond anything seen: the largest shift still makes it likelier slowed than usual.
    expect(runLogRatio(histogram, runBin(15000), shifts, pseudo)).toBeGreaterThan(1);
  });

  it('accumulates a few slow runs over windows and caps one odd run', () => {
    const histogram = baseline(lcg(2), 1200);
    const one = runRatioStep(settings, histogram, 0, bins([60000]))!;
    expect(one.evidence).toBeLessThanOrEqual(settings.maxStep);
    expect(one.flagged).toBe(false);
    let sum = 0;
    let flaggedAt = -1;
    for (let window = 0; window < 6 && flaggedAt < 0; window++) {
      const step = runRatioStep(settings, histogram, sum, bins([5000, 6000]))!;
      sum = step.sum;
      if (step.flagged) flaggedAt = window;
    }
    expect(flaggedAt).toBeGreaterThanOrEqual(1);
    expect(flaggedAt).toBeLessThanOrEqual(3);
    expect(sum).toBeLessThanOrEqual(2 * settings.threshold);
  });

  it('stays at zero on normal traffic (false alarms per window well under 1 in 1000)', () => {
    const random = lcg(3);
    const histogram = baseline(random, 1200);
    let sum = 0;
    let flags = 0;
    for (let i = 0; i < 3000; i++) {
      const step = runRatioStep(settings, histogram, sum, bins(durations(random, 3, 2000)))!;
      sum = step.sum;
      if (step.flagged) flags += 1;
    }
    expect(flags).toBeLessThanOrEqual(2);
  });

  it('waits for enough baseline runs, and can be turned off', () => {
    expect(runRatioStep(settings, baseline(lcg(4), 20), 0, bins([9000]))).toBeNull();
    expect(runRatioStep({ ...settings, enabled: false }, baseline(lcg(4), 1200), 0, bins([9000]))).toBeNull();
  });
});

describe('per-run likelihood-ratio CUSUM in the detector', () => {
  /** Two runs a window around 2 s; from window `from` on they ramp to `factor` × over 6 windows. */
  function ramp(from: number, factor: number): WindowObservation[] {
    const random = lcg(9);
    return series({ scenarioId: 402, windows: 2 * 288, executions: 2 }).map((window, index) => {
      const slow = index < from ? 1 : 1 + (factor - 1) * Math.min(1, (index - from + 1) / 6);
      const runs = durations(random, window.executions, 2000).map((d) => Math.round(d * slow));
      return {
        ...window,
        durationP95Ms: runs.length === 0 ? null : Math.max(...runs),
        durationSumMs: runs.reduce((sum, d) => sum + d, 0),
        runDurations: runs.map((d) => [d, 1] as const),
      };
    });
  }

  const detect = (windows: readonly WindowObservation[]) => {
    // Only this test: the p95 level shift, the per-run tail test and the CUSUM of means are off.
    const config = parseAnomalyConfig({
      latency: { enabled: false },
      latencySequential: { enabled: false },
      latencyRuns: { enabled: false },
      latencyRunRatio: { enabled: true },
    });
    const detector = createOfflineDetector(config);
    for (const window of windows) detector.window(window);
    return detector.anomalies.filter((a) => a.detector === 'latency-regression');
  };

  it('finds a regression ramping to ×3 within its ramp, and explains it', () => {
    const from = 288 + 100;
    const windows = ramp(from, 3);
    const found = detect(windows);
    expect(found.length).toBeGreaterThan(0);
    const first = found[0]!;
    const start = windows[from]!.windowStart;
    expect(first.windowStart).toBeGreaterThanOrEqual(start);
    expect(first.windowEnd - start).toBeLessThanOrEqual(6 * 300_000);
    expect(first.metric).toBe('run_duration_log_likelihood_ratio');
    expect(first.score).toBeGreaterThanOrEqual(settings.threshold);
    expect(first.explanation).toMatch(/Recent runs of scenario 402 were slower/);
  });

  it('reports nothing when the runs stay as they were', () => {
    expect(detect(ramp(10_000, 3))).toEqual([]);
  });
});
