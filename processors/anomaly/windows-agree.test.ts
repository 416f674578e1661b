import { describe, expect, it } from '@jest/globals';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import type { MetricWindow } from '../../schemas/generated/types.js';
import { aggregateProcessor, EXECUTIONS_TOPIC, METRICS_TOPIC } from '../aggregate/processor.js';
import { makeExecution, type ExecutionFacts } from '../aggregate/testing.js';
import { skipReason, toObservation } from './processor.js';
import { parseAnomalyConfig } from './config.js';
import { lcg } from './testing.js';
import { createWindowAccumulator } from './windows.js';

/**
 * The evaluation harness (bench/anomaly) and `makestream detect` build windows with the offline
 * accumulator (`windows.ts`), the pipeline with the aggregate processor: both must give the detector
 * the same real-run view (same counts and sums; durations within the sketch's 1%).
 */
describe('offline windows and the aggregate processor agree on real runs', () => {
  it('same counts, operations, centicredits and duration sums; p95 of real runs within 1%', () => {
    const random = lcg(7);
    const t0 = Date.UTC(2026, 0, 5, 8);
    const facts: ExecutionFacts[] = Array.from({ length: 400 }, (_, sequence) => {
      const check = random() < 0.7;
      return {
        scenarioId: 1 + (sequence % 3),
        teamId: 5,
        organizationId: 3,
        timestamp: t0 + sequence * 20_000,
        status: random() < 0.05 ? 'ERROR' : 'SUCCESS',
        duration: check ? Math.round(200 + 200 * random()) : Math.round(2_000 + 20_000 * random()),
        operations: check ? 1 : 2 + Math.floor(20 * random()),
        transfer: 0,
        centicredits: check ? 100 : Math.round(200 + 3_000 * random()),
        sequence,
      };
    });
    const driver = createTestDriver(aggregateProcessor, {
      config: { allowedLatenessMs: 0, rollups: false },
      partitions: 1,
    });
    const sentinel = { ...facts[0]!, scenarioId: 99, timestamp: t0 + 10 * 3_600_000, sequence: 9_999 };
    driver.pipe(
      EXECUTIONS_TOPIC,
      [...facts, sentinel].map((f) => ({ key: String(f.scenarioId), value: makeExecution(f), timestamp: 0 })),
    );
    const config = parseAnomalyConfig({});
    const processed = driver
      .read<MetricWindow>(METRICS_TOPIC)
      .map((record) => record.value)
      .filter((w) => skipReason(w, config) === null && w.scenarioId !== 99)
      .map((w) => toObservation(w as MetricWindow & { scenarioId: number }));
    const accumulator = createWindowAccumulator(config.windowSizeMs, 0);
    const offline = [...facts.flatMap((f) => accumulator.add(makeExecution(f))), ...accumulator.flush()];
    expect(processed.length).toBe(offline.length);
    expect(processed.length).toBeGreaterThan(50);
    const key = (w: { scenarioId: number; windowStart: number }) => `${w.scenarioId}|${w.windowStart}`;
    const byKey = new Map(offline.map((w) => [key(w), w]));
    let withRealRuns = 0;
    for (const window of processed) {
      const other = byKey.get(key(window))!;
      const [a, b] = [window.realRuns!, other.realRuns!];
      expect([a.executions, a.operations, a.centicredits, a.durationSumMs]).toEqual([
        b.executions,
        b.operations,
        b.centicredits,
        b.durationSumMs,
      ]);
      if (b.executions === 0) continue;
      withRealRuns += 1;
      expect(Math.abs(a.durationP95Ms! - b.durationP95Ms!)).toBeLessThanOrEqual(0.01 * b.durationP95Ms! + 1e-9);
      expect(a.runDurations!.reduce((n, [, count]) => n + count, 0)).toBe(b.executions);
    }
    expect(withRealRuns).toBeGreaterThan(20);
  });
});
