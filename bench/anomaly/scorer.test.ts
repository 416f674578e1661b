import { describe, expect, it } from '@jest/globals';
import { parseAnomalyConfig } from '../../processors/anomaly/config.js';
import type { Episode } from './dataset.js';
import { evaluateSeed } from './evaluate.js';
import { mergeFlags, scoreDetections, type Flag } from './scorer.js';

const minute = 60_000;
const t0 = Date.UTC(2026, 0, 8);
const at = (minutes: number) => t0 + minutes * minute;

function episode(
  id: string,
  scenarioId: number,
  from: number,
  to: number,
  affected = 10,
  kind = 'error_burst',
): Episode {
  return { id, kind, zone: 'eu1.make.com', scenarioId, from: at(from), to: at(to), affected };
}
const flag = (scenarioId: number, minutes: number, detector = 'error-rate-spike'): Flag => ({
  scenarioId,
  time: at(minutes),
  detector,
});
const options = { evaluatedFrom: t0, end: at(24 * 60), scenarios: 4 };

describe('episode scorer', () => {
  it('merges flags of one scenario less than 30 minutes apart', () => {
    expect(mergeFlags([at(0), at(25), at(50), at(81)], 30 * minute).map(([from, to]) => [from, to])).toEqual([
      [at(0), at(50)],
      [at(81), at(81)],
    ]);
  });

  it('scores recall, false flagged episodes, false positives per scenario-day and median delay', () => {
    const episodes = [
      episode('a', 1, 100, 130), // detected at 110: delay 10
      episode('b', 2, 200, 240), // detected at 230: delay 30
      episode('c', 3, 300, 320), // missed
      episode('d', 1, 600, 610, 1), // faint: not in recall; flagging it is not false
      episode('early', 4, -100, -50), // before the evaluated period: left out
    ];
    const flags = [
      ...[105, 110, 115, 120].map((m) => flag(1, m)).slice(1), // one flagged episode, true
      flag(2, 230),
      flag(2, 290, 'latency-regression'), // 60 min later: a new flagged episode, 50 min after b ended: false
      flag(1, 605), // the faint episode: true
      flag(4, 700), // nothing there: false
      flag(3, 200), // before c: false
    ];
    const score = scoreDetections(episodes, flags, options);
    expect(score).toMatchObject({
      episodes: 4,
      detectable: 3,
      detected: 2,
      flaggedEpisodes: 6,
      falseFlaggedEpisodes: 3,
      medianDelayMinutes: 20,
    });
    expect(score.recall).toBeCloseTo(2 / 3, 10);
    expect(score.recallAll).toBeCloseTo(3 / 4, 10);
    expect(score.falseShare).toBeCloseTo(0.5, 10);
    expect(score.falsePerScenarioDay).toBeCloseTo(3 / 4, 10);
    expect(score.byKind.error_burst).toMatchObject({ episodes: 4, detectable: 3, detected: 2 });
  });

  it('scores flagging every window and flagging once alike', () => {
    const episodes = [episode('a', 1, 100, 160)];
    const once = scoreDetections(episodes, [flag(1, 110)], options);
    const every = scoreDetections(
      episodes,
      Array.from({ length: 12 }, (_, i) => flag(1, 110 + 5 * i)),
      options,
    );
    expect(every).toEqual(once);
  });

  it('runs the harness end to end on a small dataset', () => {
    const result = evaluateSeed(
      { seed: 'unit', warmupDays: 1, evaluatedHours: 12, scenariosPerOrganization: 2 },
      parseAnomalyConfig({}),
    );
    expect(result.executions).toBeGreaterThan(1000);
    expect(result.score.episodes).toBeGreaterThan(0);
    expect(result.score.detected).toBeGreaterThan(0);
    expect(result.score.recall).toBeGreaterThan(0);
    expect(result.score.recall).toBeLessThanOrEqual(1);
    expect(result.score.falseShare).toBeLessThan(0.5);
  }, 120_000);
});
