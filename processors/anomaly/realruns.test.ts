import { describe, expect, it } from '@jest/globals';
import { parseAnomalyConfig, type AnomalyConfigInput } from './config.js';
import { initialState, type WindowObservation } from './detector.js';
import { createOfflineDetector } from './offline.js';
import {
  addRunMix,
  costView,
  countFlagStreaks,
  judgesRealRuns,
  realRunsOfWindow,
  relearns,
  runsP95,
} from './realruns.js';
import { polling, series } from './testing.js';

const detect = (windows: readonly WindowObservation[], input: AnomalyConfigInput = {}) => {
  const detector = createOfflineDetector(parseAnomalyConfig(input));
  for (const window of windows) detector.window(window);
  return detector.anomalies;
};

describe('real runs of polling scenarios', () => {
  const from = 288 + 100;
  const start = polling(from, 3)[from]!.windowStart;

  it('p95 by nearest rank over [duration, runs] pairs', () => {
    expect(runsP95([])).toBeNull();
    expect(runsP95([[5, 1]])).toBe(5);
    expect(
      runsP95([
        [10, 19],
        [99, 1],
      ]),
    ).toBe(10);
    expect(
      runsP95([
        [99, 2],
        [10, 18],
      ]),
    ).toBe(99);
  });

  it('judges a scenario on real runs once enough of its runs were check runs, and views only them', () => {
    const config = parseAnomalyConfig({});
    const windows = polling(10_000, 1);
    const state = initialState(windows[0]!, config);
    expect(judgesRealRuns(state, config)).toBe(false);
    for (const window of windows.slice(0, 30)) addRunMix(state, window, config);
    expect(judgesRealRuns(state, config)).toBe(true);
    const window = windows.find((w) => w.realRuns!.executions === 2)!;
    expect(costView(state, window, config)).toMatchObject({
      executions: 2,
      centicredits: window.realRuns!.centicredits,
      realOnly: true,
    });
    expect(costView(state, { ...window, realRuns: null }, config)).toMatchObject({ executions: 5, realOnly: false });
    const off = parseAnomalyConfig({ realRuns: { enabled: false } });
    expect(judgesRealRuns(state, off)).toBe(false);
    // A scenario without check runs keeps judging all runs.
    const busy = initialState(windows[0]!, config);
    for (const w of windows.slice(0, 30))
      addRunMix(busy, { ...w, realRuns: { ...w.realRuns!, executions: w.executions } }, config);
    expect(judgesRealRuns(busy, config)).toBe(false);
  });

  it('reads the real runs of a MetricWindow (null without the fields)', () => {
    expect(
      realRunsOfWindow({
        realRuns: null,
        realRunOperations: null,
        realRunCenticredits: null,
        realRunDurationSumMs: null,
        realRunDurationSketch: null,
      }),
    ).toBeNull();
    expect(
      realRunsOfWindow({
        realRuns: 2,
        realRunOperations: 9,
        realRunCenticredits: 900,
        realRunDurationSumMs: 5000,
        realRunDurationSketch: null,
      }),
    ).toEqual({
      executions: 2,
      operations: 9,
      centicredits: 900,
      durationSumMs: 5000,
      durationP95Ms: null,
      runDurations: null,
    });
  });

  it('finds a ×4 burn surge of the real runs by their fifth surged run, and says the cost is per real run', () => {
    const first = (list: ReturnType<typeof detect>) =>
      list.filter((a) => a.detector === 'burn-surge').find((a) => a.windowStart >= start);
    const windows = polling(from, 4);
    const found = first(detect(windows));
    expect(found).toBeDefined();
    // Sparse real runs (0.65 a window): the pooled test needs 4 runs in its 6 windows.
    const surgedRuns = windows
      .filter((w) => w.windowStart >= start && w.windowStart <= found!.windowStart)
      .reduce((sum, w) => sum + w.realRuns!.executions, 0);
    expect(surgedRuns).toBeLessThanOrEqual(5);
    expect(found!.explanation).toMatch(/per real run/);
  });

  it('reports nothing on normal traffic', () => {
    const found = detect(polling(10_000, 1)).filter((a) => a.windowStart >= polling(10_000, 1)[288]!.windowStart);
    expect(found.filter((a) => a.detector === 'burn-surge' || a.detector === 'latency-regression')).toEqual([]);
  });

  it('counts flagged windows in a row per cost/latency detector; relearns after relearnAfterWindows', () => {
    const config = parseAnomalyConfig({ relearnAfterWindows: 2 });
    const state = initialState(polling(1, 1)[0]!, config);
    countFlagStreaks(state, new Set(['latency-regression']));
    expect(relearns(state, 'latency-regression', config)).toBe(false);
    countFlagStreaks(state, new Set(['latency-regression', 'burn-surge']));
    expect(relearns(state, 'latency-regression', config)).toBe(true);
    expect(relearns(state, 'burn-surge', config)).toBe(false);
    expect(relearns(state, 'latency-regression', parseAnomalyConfig({ relearnAfterWindows: 0 }))).toBe(false);
    countFlagStreaks(state, new Set());
    expect(relearns(state, 'latency-regression', config)).toBe(false);
  });

  it('a lasting ×3 slowdown stops flagging once the baseline has learnt it; with relearning off it flags to the end', () => {
    const windows = series({
      scenarioId: 503,
      windows: 6 * 288,
      effects: [{ from: 2 * 288, to: 10 * 288, durationFactor: 3 }],
    });
    const lastFlag = (input: AnomalyConfigInput) =>
      Math.max(
        ...detect(windows, input)
          .filter((a) => a.detector === 'latency-regression')
          .map((a) => a.windowEnd),
      );
    const end = windows[windows.length - 1]!.windowEnd;
    expect(lastFlag({ relearnAfterWindows: 0 })).toBe(end);
    expect(lastFlag({})).toBeLessThan(end - 288 * 300_000);
  });
});
