import { describe, expect, it } from '@jest/globals';
import { parseAnomalyConfig } from './config.js';
import type { WindowObservation } from './detector.js';
import { createOfflineDetector } from './offline.js';
import { sequentialStep, type SequentialSettings } from './sequential.js';
import { series } from './testing.js';

const settings: SequentialSettings = {
  enabled: true,
  threshold: 5,
  drift: 0.75,
  maxStep: 2.5,
  minRatio: 1.3,
  minSpread: 0.1,
  minHistory: 24,
};
/** A steady history: log values 0 ± 0.1. */
const history = Array.from({ length: 100 }, (_, i) => ((i % 5) - 2) * 0.05);

describe('sequential (CUSUM) test', () => {
  it('accumulates a moderate shift window by window and flags once the sum reaches the threshold', () => {
    let sum = 0;
    const flags: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const step = sequentialStep(settings, history, sum, Math.log(1.5))!;
      sum = step.sum;
      flags.push(step.flagged);
    }
    // z = min(2.5, log 1.5 / spread) − 0.75 = 1.75 per window: flags from the third window on.
    expect(flags).toEqual([false, false, true, true, true]);
  });

  it('does not flag one huge outlier window alone (each window adds at most maxStep)', () => {
    const step = sequentialStep(settings, history, 0, Math.log(50))!;
    expect(step.flagged).toBe(false);
    expect(step.sum).toBeCloseTo(settings.maxStep - settings.drift);
  });

  it('keeps the sum over empty windows, decays it on normal ones and caps it at twice the threshold', () => {
    let sum = 0;
    for (let i = 0; i < 20; i++) sum = sequentialStep(settings, history, sum, Math.log(3))!.sum;
    expect(sum).toBe(2 * settings.threshold);
    expect(sequentialStep(settings, history, sum, null)!.sum).toBe(sum);
    expect(sequentialStep(settings, history, sum, 0)!.sum).toBeCloseTo(sum - settings.drift);
  });

  it('needs minRatio × the median in the current window and minHistory values of history', () => {
    expect(sequentialStep(settings, history, 9, Math.log(1.2))!.flagged).toBe(false);
    expect(sequentialStep(settings, history.slice(0, 10), 9, Math.log(3))).toBeNull();
    expect(sequentialStep({ ...settings, enabled: false }, history, 9, Math.log(3))).toBeNull();
  });
});

describe('sequential tests in the detector', () => {
  const day = 288;
  /** Sensitive settings (the defaults, tuned on bench/anomaly, want larger shifts). */
  const sensitive = { threshold: 5, drift: 0.75, maxStep: 2.5, minRatio: 1.3 };
  const run = (windows: readonly WindowObservation[], input: object = {}) => {
    const detector = createOfflineDetector(parseAnomalyConfig(input));
    for (const window of windows) detector.window(window);
    return detector.anomalies;
  };
  /** A moderate latency regression (×1.3): under the level shift's minRatio (1.5) in every window. */
  const ramp = (scenarioId: number) =>
    series({
      scenarioId,
      windows: day + 40,
      effects: [{ from: day, to: day + 10, durationFactor: 1.3 }],
    });

  it('finds a moderate latency regression that the single-window level shift misses', () => {
    const levelOnly = run(ramp(301), { latencySequential: { enabled: false } });
    const withSequential = run(ramp(301), { latencySequential: { ...sensitive, perOperation: false } });
    const sequential = withSequential.filter((a) => a.metric === 'duration_mean_ms');
    expect(sequential.length).toBeGreaterThan(0);
    expect(sequential[0]).toMatchObject({ detector: 'latency-regression', direction: 'ABOVE', scenarioId: 301 });
    expect(sequential[0]!.observed / sequential[0]!.baseline).toBeGreaterThan(1.3);
    expect(levelOnly.filter((a) => a.detector === 'latency-regression')).toEqual([]);
  });

  it('tests the duration per operation with perOperation (the default), under its own metric name', () => {
    const found = run(ramp(304), { latencySequential: { ...sensitive, perOperation: true } });
    const perOperation = found.filter((a) => a.metric === 'duration_per_operation_ms');
    expect(perOperation.length).toBeGreaterThan(0);
    expect(perOperation[0]!.explanation).toMatch(/^Mean duration per operation of scenario 304/);
    expect(found.filter((a) => a.metric === 'duration_mean_ms')).toEqual([]);
  });

  it('finds a moderate burn surge held over several windows', () => {
    const windows = series({
      scenarioId: 302,
      windows: day + 20,
      effects: [{ from: day, to: day + 8, costFactor: 1.8 }],
    });
    const surges = run(windows, { burn: { enabled: false }, burnSequential: sensitive }).filter(
      (a) => a.detector === 'burn-surge',
    );
    expect(surges.length).toBeGreaterThan(0);
    expect(surges[0]!.windowStart).toBeGreaterThanOrEqual(windows[day]!.windowStart);
  });

  it('reports nothing on two days of normal traffic', () => {
    expect(
      run(series({ scenarioId: 303, windows: 2 * day }), { latencySequential: sensitive, burnSequential: sensitive }),
    ).toEqual([]);
  });
});
