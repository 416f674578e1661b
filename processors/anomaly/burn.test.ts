import { describe, expect, it } from '@jest/globals';
import { parseAnomalyConfig, type AnomalyConfigInput } from './config.js';
import type { WindowObservation } from './detector.js';
import { createOfflineDetector } from './offline.js';
import { lcg, series } from './testing.js';

/**
 * A polling scenario: three check runs a window (1 operation, 100 centicredits each) and 0–2 real
 * runs (300–1500 centicredits); from window `from` on the real runs burn `factor` × as much.
 */
function polling(from: number, factor: number): WindowObservation[] {
  const random = lcg(21);
  return series({ scenarioId: 501, windows: 2 * 288, executions: 3 }).map((window, index) => {
    const real = random() < 0.5 ? 0 : random() < 0.7 ? 1 : 2;
    let credits = 300;
    for (let i = 0; i < real; i++) credits += Math.round((300 + 1200 * random()) * (index >= from ? factor : 1));
    return { ...window, executions: 3 + real, errors: 0, operations: 3 + 5 * real, centicredits: credits };
  });
}

const detect = (windows: readonly WindowObservation[], input: AnomalyConfigInput = { burnAboveFloor: true }) => {
  const detector = createOfflineDetector(parseAnomalyConfig(input));
  for (const window of windows) detector.window(window);
  return detector.anomalies.filter((a) => a.detector === 'burn-surge');
};

// The floor is off by default (bench/anomaly/README.md, fourth round): these tests turn it on.
describe('burn surges above the cost floor', () => {
  const from = 288 + 100;
  const start = polling(from, 4)[from]!.windowStart;

  it('finds a ×4 surge of a polling scenario’s real runs within half an hour, and names the floor', () => {
    const found = detect(polling(from, 4));
    expect(found.length).toBeGreaterThan(0);
    const first = found[0]!;
    expect(first.windowStart).toBeGreaterThanOrEqual(start);
    expect(first.windowEnd - start).toBeLessThanOrEqual(6 * 300_000);
    expect(first.explanation).toMatch(/above the 1\.00 its cheapest runs cost/);
  });

  it('reports nothing on normal traffic', () => {
    expect(detect(polling(10_000, 4))).toEqual([]);
  });
});
