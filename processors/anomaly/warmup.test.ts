import { describe, expect, it } from '@jest/globals';
import { parseAnomalyConfig, type AnomalyConfigInput } from './config.js';
import { initialState } from './detector.js';
import { createOfflineDetector } from './offline.js';
import { addRunMix, costView, costViewWarmingUp, enterCostView } from './realruns.js';
import { polling } from './testing.js';

const day = 288;
const fifthRound: AnomalyConfigInput = { realRuns: { warmupMs: 0, warmupWindows: 0, freshBaselines: false } };

const costFlags = (input: AnomalyConfigInput, windows: ReturnType<typeof polling>) => {
  const detector = createOfflineDetector(parseAnomalyConfig(input));
  for (const window of windows) detector.window(window);
  return detector.anomalies.filter((a) => a.detector === 'burn-surge' || a.detector === 'latency-regression');
};

describe('warm-up of real-run baselines', () => {
  it('enters the cost view once: notes its start, starts the baselines afresh, counts windows with real runs', () => {
    const config = parseAnomalyConfig({ realRuns: { warmupMs: 3_600_000, warmupWindows: 3, freshBaselines: true } });
    const windows = polling(10_000, 1);
    const state = initialState(windows[0]!, config);
    state.latencyHistory = [1, 2, 3];
    state.burnHistory = [4];
    state.latencyCusum = 2;
    for (const window of windows.slice(0, 30)) addRunMix(state, window, config);
    const withRuns = windows.filter((w, i) => i >= 30 && w.realRuns!.executions > 0);
    const first = costView(state, withRuns[0]!, config);
    expect(costViewWarmingUp(state, first, config)).toBe(false); // not entered yet
    enterCostView(state, first, config);
    expect(state.costViewSince).toBe(first.windowStart);
    expect(state.costViewWindows).toBe(1);
    expect(state).toMatchObject({ latencyHistory: [], burnHistory: [], latencyCusum: 0 });
    expect(costViewWarmingUp(state, first, config)).toBe(true);
    state.latencyHistory.push(7);
    for (const w of withRuns.slice(1, 3)) enterCostView(state, costView(state, w, config), config);
    expect(state.latencyHistory).toEqual([7]); // reset only on entry
    expect(state.costViewWindows).toBe(3);
    // Three windows with real runs, but less than an hour since the first: still warming up.
    const soon = costView(state, withRuns[2]!, config);
    expect(soon.windowEnd - first.windowStart).toBeLessThan(3_600_000);
    expect(costViewWarmingUp(state, soon, config)).toBe(true);
    const later = costView(
      state,
      windows.find((w) => w.windowStart >= first.windowStart + 3_600_000)!,
      config,
    );
    expect(costViewWarmingUp(state, later, config)).toBe(false);
    // A window judged on all runs never warms up.
    expect(costViewWarmingUp(state, { ...later, realOnly: false }, config)).toBe(false);
    const kept = parseAnomalyConfig({});
    const other = initialState(windows[0]!, kept);
    other.latencyHistory = [1, 2, 3];
    for (const window of windows.slice(0, 30)) addRunMix(other, window, kept);
    enterCostView(other, costView(other, withRuns[0]!, kept), kept);
    expect(other.latencyHistory).toEqual([1, 2, 3]);
  });

  it('a burn surge in the first real runs does not become the baseline: no flags after it (it flagged for days without the warm-up)', () => {
    // Real runs with ×5 operations and credits (so a fifth of the time per operation) for their first 5 hours.
    const windows = polling(0, 5, 1, { to: 60, operationsFactor: 5, days: 4 });
    const after = (flags: ReturnType<typeof costFlags>) =>
      flags.filter((a) => a.windowStart >= windows[day]!.windowStart);
    expect(after(costFlags({}, windows))).toEqual([]);
    expect(after(costFlags({ realRuns: { freshBaselines: true } }, windows))).toEqual([]);
    // The fifth round's detector: per-operation latency learnt from the surge, so normal runs look slow for days.
    const stuck = after(costFlags({ ...fifthRound, relearnAfterWindows: 0 }, windows));
    expect(stuck.length).toBeGreaterThan(50);
  });

  it('still finds a ×4 burn surge of the real runs once warmed up', () => {
    const windows = polling(day + 100, 4);
    const found = costFlags({}, windows).filter((a) => a.detector === 'burn-surge');
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((a) => a.windowStart >= windows[day + 100]!.windowStart)).toBe(true);
  });
});
