import { describe, expect, it } from '@jest/globals';
import { parseAnomalyConfig } from './config.js';
import {
  checkSilence,
  observeWindow,
  silenceDeadline,
  type ScenarioState,
  type WindowObservation,
} from './detector.js';
import { createOfflineDetector } from './offline.js';
import { series, windowMs } from './testing.js';
import { binomialUpperTailScore, poissonLowerTailScore } from './stats.js';

const config = parseAnomalyConfig({});
const day = 288;

function run(windows: readonly WindowObservation[]) {
  const detector = createOfflineDetector(config);
  for (const window of windows) detector.window(window);
  return detector.anomalies;
}

describe('anomaly detector', () => {
  it('reports nothing on two days of normal traffic', () => {
    expect(run(series({ scenarioId: 101, windows: 2 * day }))).toEqual([]);
  });

  it('reports an error-rate spike in the window it starts, with baseline, range and explanation', () => {
    const from = day + 100;
    const anomalies = run(
      series({ scenarioId: 102, windows: day + 120, effects: [{ from, to: from + 6, errorRate: 0.8 }] }),
    );
    const spikes = anomalies.filter((a) => a.detector === 'error-rate-spike');
    expect(spikes.length).toBeGreaterThan(0);
    const first = spikes[0]!;
    expect(first.windowEnd).toBeLessThanOrEqual(series({ scenarioId: 102, windows: from + 2 })[from + 1]!.windowEnd);
    expect(first).toMatchObject({ metric: 'error_rate', direction: 'ABOVE', scenarioId: 102, windowSizeMs: windowMs });
    expect(first.observed).toBeGreaterThan(0.5);
    expect(first.baseline).toBeLessThan(0.05);
    expect(first.expectedHigh!).toBeLessThan(first.observed);
    expect(first.score).toBeGreaterThanOrEqual(first.threshold);
    expect(first.explanation).toMatch(/^Error rate of scenario 102 was \d+% \(\d+ of \d+ runs\)/);
    expect(
      anomalies.every((a) => a.windowEnd <= series({ scenarioId: 102, windows: from + 20 })[from + 19]!.windowEnd),
    ).toBe(true);
  });

  it('reports a latency regression and a burn surge, and not the windows before them', () => {
    const from = day + 50;
    const anomalies = run(
      series({
        scenarioId: 103,
        windows: day + 70,
        effects: [{ from, to: from + 12, durationFactor: 3, costFactor: 4 }],
      }),
    );
    const detectors = new Set(anomalies.map((a) => a.detector));
    expect(detectors).toEqual(new Set(['latency-regression', 'burn-surge']));
    const start = series({ scenarioId: 103, windows: from + 1 })[from]!.windowStart;
    expect(anomalies.every((a) => a.windowStart >= start)).toBe(true);
    const latency = anomalies.find((a) => a.detector === 'latency-regression')!;
    expect(latency.observed / latency.baseline).toBeGreaterThan(2);
  });

  it('reports a volume drop against the hour-of-day baseline', () => {
    const from = 2 * day + 30;
    const anomalies = run(
      series({
        scenarioId: 104,
        windows: 2 * day + 60,
        executions: 12,
        effects: [{ from, to: from + 24, volumeFactor: 0.1 }],
      }),
    );
    const drops = anomalies.filter((a) => a.detector === 'volume-drop');
    expect(drops.length).toBeGreaterThan(0);
    expect(drops[0]).toMatchObject({ direction: 'BELOW', metric: 'executions' });
    expect(drops[0]!.observed).toBeLessThanOrEqual(drops[0]!.baseline * (1 - config.volume.minDrop));
  });

  it('reports a silence once, at the deadline set by the usual gaps, and re-arms when runs resume', () => {
    const windows = series({ scenarioId: 105, windows: day });
    let state: ScenarioState | undefined;
    for (const window of windows) state = observeWindow(state, window, config).state;
    const deadline = silenceDeadline(state!, config)!;
    const lastStart = windows[windows.length - 1]!.windowStart;
    expect(deadline).toBe(lastStart + config.silence.minSilenceMs);
    expect(checkSilence(state!, deadline - windowMs, config).anomalies).toEqual([]);
    const [silence] = checkSilence(state!, deadline, config).anomalies;
    expect(silence).toMatchObject({
      detector: 'silence',
      metric: 'silence_minutes',
      severity: 'HIGH',
      windowEnd: deadline,
    });
    expect(silence!.explanation).toMatch(/has not run for 20 minutes/);
    expect(checkSilence(state!, deadline + windowMs, config).anomalies).toEqual([]);
    expect(silenceDeadline(state!, config)).toBeNull();
  });

  it('reports a scheduled scenario silent once its next run is overdue by `overdueGaps` usual gaps', () => {
    // Runs every third window (a 15-minute schedule); the windows between are missing (filled in empty).
    const windows = series({ scenarioId: 107, windows: day }).filter((_, index) => index % 3 === 0);
    const lastStart = windows[windows.length - 1]!.windowStart;
    const deadlineWith = (silence: Record<string, number>) => {
      const settings = parseAnomalyConfig({ silence });
      let state: ScenarioState | undefined;
      for (const window of windows) state = observeWindow(state, window, settings).state;
      return silenceDeadline(state!, settings)! - lastStart;
    };
    // Off: 4 × the median gap (60 min). On: the 15-minute gap, then one (or two) more.
    expect(deadlineWith({ overdueGaps: 0 })).toBe(12 * windowMs);
    expect(deadlineWith({ overdueGaps: 1 })).toBe(6 * windowMs);
    expect(deadlineWith({ overdueGaps: 2 })).toBe(9 * windowMs);
    // Never below the minimum silence.
    expect(deadlineWith({ overdueGaps: 1, minSilenceMs: 45 * 60_000 })).toBe(9 * windowMs);
  });

  it('gives the same anomalies, ids included, on a second run', () => {
    const windows = series({
      scenarioId: 106,
      windows: day + 40,
      effects: [{ from: day + 10, to: day + 16, errorRate: 0.9 }],
    });
    expect(run(windows)).toEqual(run(windows));
    const ids = run(windows).map((a) => a.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('ignores a window it has already passed (a duplicate or an early revision)', () => {
    const windows = series({ scenarioId: 107, windows: 30 });
    let state: ScenarioState | undefined;
    for (const window of windows) state = observeWindow(state, window, config).state;
    const before = JSON.stringify(state);
    observeWindow(state, windows[10]!, config);
    expect(JSON.stringify(state)).toBe(before);
  });

  it('is less sensitive with higher thresholds', () => {
    const windows = series({
      scenarioId: 108,
      windows: day + 30,
      effects: [{ from: day + 10, to: day + 13, errorRate: 0.5 }],
    });
    const strict = parseAnomalyConfig({ errorRate: { threshold: 50 } });
    const detector = createOfflineDetector(strict);
    for (const window of windows) detector.window(window);
    expect(run(windows).some((a) => a.detector === 'error-rate-spike')).toBe(true);
    expect(detector.anomalies.some((a) => a.detector === 'error-rate-spike')).toBe(false);
  });

  it('rejects a bad config naming the field', () => {
    expect(() => parseAnomalyConfig({ errorRate: { threshold: -1 } })).toThrow(
      /processors\.anomaly\.errorRate\.threshold/,
    );
    expect(() => parseAnomalyConfig({ typo: 1 })).toThrow(/processors\.anomaly/);
  });
});

describe('tail scores', () => {
  it('matches hand-computed binomial and Poisson tails', () => {
    // P(X >= 2 | n=2, p=0.1) = 0.01; P(X <= 0 | λ=ln 1000) = 0.001.
    expect(binomialUpperTailScore(2, 2, 0.1)).toBeCloseTo(2, 6);
    expect(binomialUpperTailScore(1, 3, 0.5)).toBeCloseTo(-Math.log10(0.875), 6);
    expect(poissonLowerTailScore(0, Math.log(1000))).toBeCloseTo(3, 6);
    expect(poissonLowerTailScore(1, 2)).toBeCloseTo(-Math.log10(3 * Math.exp(-2)), 6);
  });
});

describe('volume drop over longer spans', () => {
  // Two runs a window: 30 minutes expect 12 runs, too few for a drop to 20% to be improbable enough;
  // two hours expect 48.
  const quiet = () =>
    series({
      scenarioId: 111,
      windows: 2 * day + 40,
      executions: 2,
      effects: [{ from: 2 * day, to: 2 * day + 30, volumeFactor: 0.2 }],
    });
  const drops = (volume: object) => {
    const detector = createOfflineDetector(parseAnomalyConfig({ volume }));
    for (const window of quiet()) detector.window(window);
    return detector.anomalies.filter((a) => a.detector === 'volume-drop');
  };

  it('finds a drop of a sparse scenario only with the longer spans (the default 12 and 24 windows)', () => {
    const found = drops({});
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!.windowStart).toBeGreaterThanOrEqual(quiet()[2 * day]!.windowStart);
    expect(found[0]!.explanation).toMatch(/in the last (60|120) minutes/);
    expect(drops({ longerSpans: [] })).toEqual([]);
  });
});
