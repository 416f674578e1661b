import { describe, expect, it } from '@jest/globals';
import { parseAnomalyConfig } from './config.js';
import { confirmFindings } from './confirm.js';
import { initialState, type Finding } from './state.js';
import { series } from './testing.js';

const settings = parseAnomalyConfig({}).confirmation;
const window = series({ scenarioId: 601, windows: 1 })[0]!;
const finding = (detector: string, score: number): Finding => ({
  detector,
  metric: 'm',
  direction: 'ABOVE',
  observed: 1,
  baseline: 0,
  expectedLow: null,
  expectedHigh: null,
  score,
  threshold: 4,
  explanation: 'x',
});
const minute = 60_000;

describe('confirmation rule', () => {
  it('reports a strong finding at once and holds back a weak one until the same detector finds again', () => {
    const state = initialState(window, parseAnomalyConfig({}));
    const t = window.windowEnd;
    expect(confirmFindings(state, t, [finding('burn-surge', 4 * settings.strongFactor)], settings)).toHaveLength(1);
    expect(confirmFindings(state, t, [finding('latency-regression', 4.1)], settings)).toEqual([]);
    expect(confirmFindings(state, t + 5 * minute, [finding('latency-regression', 4.1)], settings)).toHaveLength(1);
    // Another detector's earlier finding does not confirm.
    const fresh = initialState(window, parseAnomalyConfig({}));
    expect(confirmFindings(fresh, t, [finding('latency-regression', 4.1)], settings)).toEqual([]);
    expect(confirmFindings(fresh, t + 5 * minute, [finding('burn-surge', 4.1)], settings)).toEqual([]);
  });

  it('reports findings of detectors not listed at once (error spikes are short)', () => {
    const state = initialState(window, parseAnomalyConfig({}));
    expect(confirmFindings(state, window.windowEnd, [finding('error-rate-spike', 4.1)], settings)).toHaveLength(1);
  });

  it('does not confirm with a finding older than withinMs, and can be turned off', () => {
    const state = initialState(window, parseAnomalyConfig({}));
    const t = window.windowEnd;
    expect(confirmFindings(state, t, [finding('latency-regression', 4.1)], settings)).toEqual([]);
    expect(
      confirmFindings(state, t + settings.withinMs + minute, [finding('latency-regression', 4.1)], settings),
    ).toEqual([]);
    expect(
      confirmFindings(state, t, [finding('latency-regression', 4.1)], { ...settings, enabled: false }),
    ).toHaveLength(1);
  });
});
