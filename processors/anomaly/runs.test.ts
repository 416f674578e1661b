import { describe, expect, it } from '@jest/globals';
import { createDurationSketcher } from '../aggregate/sketch.js';
import { parseAnomalyConfig } from './config.js';
import { addRuns, runBin, runEvidence, sketchRuns, toRunBins, type RunBins } from './runs.js';
import type { WindowObservation } from './detector.js';
import { createOfflineDetector } from './offline.js';
import { lcg, series } from './testing.js';

const settings = parseAnomalyConfig({}).latencyRuns;

/** Log-normal durations around `medianMs` (σ 0.35), deterministic. */
function durations(random: () => number, count: number, medianMs: number): number[] {
  return Array.from({ length: count }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.round(medianMs * Math.exp(0.35 * normal));
  });
}

function baseline(random: () => number, windows: number, perWindow: number): Record<string, number> {
  const histogram: Record<string, number> = {};
  for (let i = 0; i < windows; i++) {
    addRuns(histogram, toRunBins(durations(random, perWindow, 2000).map((d) => [d, 1])), settings.halfLifeRuns);
  }
  return histogram;
}

const bins = (values: readonly number[]): RunBins => toRunBins(values.map((d) => [d, 1]));

describe('per-run latency evidence', () => {
  it('bins durations on a log scale and groups counts', () => {
    expect(runBin(1000)).toBe(Math.floor(Math.log(1000) / 0.1));
    expect(
      toRunBins([
        [1000, 1],
        [1001, 2],
        [5000, 1],
        [9, 0],
      ]),
    ).toEqual([
      [runBin(1000), 3],
      [runBin(5000), 1],
    ]);
  });

  it('decays older runs by the half-life and drops negligible bins', () => {
    const histogram: Record<string, number> = {};
    addRuns(histogram, [[50, 1]], 1);
    addRuns(histogram, [[60, 1]], 1);
    expect(histogram).toEqual({ 50: 0.5, 60: 1 });
    addRuns(histogram, [[60, 20]], 1);
    expect(histogram['50']).toBeUndefined();
  });

  it('flags a few runs far in the slow tail, even in a window of two runs', () => {
    const random = lcg(7);
    const histogram = baseline(random, 300, 2);
    const evidence = runEvidence(settings, histogram, [[], bins([9000, 11000]), bins([10000, 12000])]);
    expect(evidence).not.toBeNull();
    expect(evidence!.exceeding).toBe(4);
    expect(evidence!.score).toBeGreaterThanOrEqual(settings.threshold);
    expect(evidence!.cutoffMs).toBeGreaterThan(2000);
  });

  it('does not flag normal traffic (false alarms per window well under 1 in 1000)', () => {
    const random = lcg(11);
    const histogram = baseline(random, 300, 4);
    const recent: RunBins[] = [];
    let flags = 0;
    for (let i = 0; i < 2000; i++) {
      recent.push(bins(durations(random, 4, 2000)));
      if (recent.length > 12) recent.shift();
      if (runEvidence(settings, histogram, recent) !== null) flags += 1;
    }
    expect(flags).toBeLessThanOrEqual(2);
  });

  it('waits for enough baseline runs and for the fewest exceedances', () => {
    const random = lcg(3);
    expect(runEvidence(settings, baseline(random, 10, 2), [bins([60000, 60000, 60000])])).toBeNull();
    const histogram = baseline(random, 300, 2);
    expect(runEvidence({ ...settings, minExceedances: 4 }, histogram, [bins([60000, 60000, 60000])])).toBeNull();
    expect(runEvidence({ ...settings, enabled: false }, histogram, [bins([60000, 60000, 60000])])).toBeNull();
  });

  it('reads runs from the aggregate processor’s compact sketch encoding (within its accuracy)', () => {
    const sketcher = createDurationSketcher(0.01);
    const sketch = sketcher.empty();
    for (const value of [0, 250, 250, 1800, 90000]) sketcher.add(sketch, value);
    const runs = sketchRuns(sketcher.encode(sketch))!;
    expect(runs.reduce((sum, [, count]) => sum + count, 0)).toBe(5);
    const values = runs.flatMap(([value, count]) => Array.from({ length: count }, () => value)).sort((a, b) => a - b);
    expect(values[0]).toBe(0);
    [250, 250, 1800, 90000].forEach((expected, index) =>
      expect(Math.abs(values[index + 1]! - expected) / expected).toBeLessThanOrEqual(0.01),
    );
    expect(sketchRuns(null)).toBeNull();
  });
});

describe('per-run latency test in the detector', () => {
  /** Two runs a window, log-normal around 2 s; from window `from` on the runs take `factor` × as long. */
  function sparse(from: number, factor: number): WindowObservation[] {
    const random = lcg(5);
    return series({ scenarioId: 401, windows: 2 * 288, executions: 2 }).map((window, index) => {
      const runs = durations(random, window.executions, 2000).map((d) => (index >= from ? d * factor : d));
      return {
        ...window,
        durationP95Ms: runs.length === 0 ? null : Math.max(...runs),
        durationSumMs: runs.reduce((sum, d) => sum + d, 0),
        runDurations: runs.map((d) => [d, 1] as const),
      };
    });
  }

  const detect = (windows: readonly WindowObservation[]) => {
    // Only the per-run test: the p95 level shift and the CUSUM are off.
    const config = parseAnomalyConfig({ latency: { enabled: false }, latencySequential: { enabled: false } });
    const detector = createOfflineDetector(config);
    for (const window of windows) detector.window(window);
    return detector.anomalies.filter((a) => a.detector === 'latency-regression');
  };

  it('finds a ×3 regression of a two-runs-a-window scenario within a few windows, and explains it', () => {
    const from = 288 + 100;
    const found = detect(sparse(from, 3));
    expect(found.length).toBeGreaterThan(0);
    const first = found[0]!;
    const start = sparse(from, 3)[from]!.windowStart;
    expect(first.windowStart).toBeGreaterThanOrEqual(start);
    expect(first.windowEnd - start).toBeLessThanOrEqual(4 * 300_000);
    expect(first.metric).toBe('runs_above_baseline_share');
    expect(first.observed).toBeGreaterThan(first.baseline);
    expect(first.explanation).toMatch(/runs of scenario 401 in the last \d+ minutes took longer than/);
  });

  it('reports nothing when the runs stay as they were', () => {
    expect(detect(sparse(10_000, 3))).toEqual([]);
  });
});
