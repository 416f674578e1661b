import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import { metricWindowEventId } from '../../pipeline/ids.js';
import type { ExecutionStatus, MetricWindow } from '../../schemas/generated/types.js';
import { aggregateProcessor, EXECUTIONS_TOPIC, METRICS_TOPIC } from './processor.js';
import { createDurationSketcher } from './sketch.js';
import { exactQuantile, makeExecution, referenceWindows } from './testing.js';
import type { ExecutionFacts } from './testing.js';

const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const MINUTE = 60_000;
const sizes = [60_000, 300_000, 3_600_000];
const config = { allowedLatenessMs: 120_000, rollups: false };

const sketcher = createDurationSketcher(0.01);

const statuses: ExecutionStatus[] = ['SUCCESS', 'WARNING', 'ERROR', 'RUNNING', 'UNKNOWN'];

function facts(overrides: Partial<ExecutionFacts> & Pick<ExecutionFacts, 'timestamp' | 'sequence'>): ExecutionFacts {
  return {
    scenarioId: 11,
    teamId: 5,
    organizationId: 3,
    status: 'SUCCESS',
    duration: 1_000,
    operations: 2,
    transfer: 100,
    centicredits: 200,
    ...overrides,
  };
}

/** A sentinel execution far in the future (scenario 0): closes every window before it. */
const sentinel = (time: number, sequence = 999_999): ExecutionFacts =>
  facts({ scenarioId: 0, timestamp: time, sequence });

function pipe(driver: ReturnType<typeof createTestDriver>, list: readonly ExecutionFacts[]): void {
  driver.pipe(
    EXECUTIONS_TOPIC,
    list.map((execution) => ({
      key: String(execution.scenarioId),
      value: makeExecution(execution),
      // The log timestamp is deliberately unrelated: event time is the execution's own.
      timestamp: 0,
    })),
  );
}

const finals = (driver: ReturnType<typeof createTestDriver>): MetricWindow[] =>
  driver
    .read<MetricWindow>(METRICS_TOPIC)
    .map((record) => record.value)
    .filter((window) => window.isFinal && window.scenarioId !== 0);

const arbitraryExecutions = fc
  .array(
    fc.record({
      scenarioId: fc.integer({ min: 1, max: 4 }),
      offset: fc.integer({ min: 0, max: 2 * 3_600_000 }),
      status: fc.constantFrom(...statuses),
      duration: fc.oneof(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: -5, max: 10 })),
      operations: fc.integer({ min: 0, max: 50 }),
      transfer: fc.integer({ min: 0, max: 1_000_000 }),
      centicredits: fc.option(fc.integer({ min: 0, max: 5_000 })),
    }),
    { minLength: 1, maxLength: 120 },
  )
  .map((rows) =>
    rows
      .map((row, sequence) =>
        facts({
          ...row,
          teamId: 100 + (row.scenarioId % 2),
          timestamp: t0 + row.offset,
          sequence,
        }),
      )
      .sort((a, b) => a.timestamp - b.timestamp),
  );

describe('aggregate', () => {
  it('matches a brute-force reference: counts, sums, min/max and quantiles within the sketch accuracy', () => {
    fc.assert(
      fc.property(arbitraryExecutions, (executions) => {
        const driver = createTestDriver(aggregateProcessor, { config, partitions: 1 });
        pipe(driver, [...executions, sentinel(t0 + 10 * 3_600_000)]);
        const reference = referenceWindows(executions, sizes, (execution) => execution.scenarioId);
        const emitted = finals(driver);
        expect(emitted).toHaveLength(reference.size);
        expect(driver.late()).toHaveLength(0);
        for (const window of emitted) {
          const expected = reference.get(`${window.scenarioId}|${window.windowSizeMs}|${window.windowStart}`)!;
          expect(expected).toBeDefined();
          const { durations, real, ...exact } = expected;
          expect(window).toMatchObject({ ...exact, windowEnd: window.windowStart + window.windowSizeMs });
          // Real runs (more than one operation) kept apart, with exactly the sketch of their durations.
          expect(window).toMatchObject({
            realRuns: real.durations.length,
            realRunOperations: real.operations,
            realRunCenticredits: real.centicredits,
            realRunDurationSumMs: real.durations.reduce((total, duration) => total + duration, 0),
          });
          const realSketch = sketcher.empty();
          for (const duration of real.durations) sketcher.add(realSketch, duration);
          expect(window.realRunDurationSketch).toEqual(sketcher.encode(realSketch));
          expect(window.errorRate).toBeCloseTo(expected.errors / expected.executions, 12);
          for (const [q, estimate] of [
            [0.5, window.durationP50Ms],
            [0.95, window.durationP95Ms],
            [0.99, window.durationP99Ms],
          ] as const) {
            const exactValue = exactQuantile(durations, q);
            expect(Math.abs(estimate! - exactValue)).toBeLessThanOrEqual(0.01 * exactValue + 1e-9);
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('uses the execution time, not the log timestamp, and puts boundary records in the right window', () => {
    const driver = createTestDriver(aggregateProcessor, { config, partitions: 1 });
    pipe(driver, [
      facts({ timestamp: t0, sequence: 1 }),
      facts({ timestamp: t0 + MINUTE - 1, sequence: 2 }),
      facts({ timestamp: t0 + MINUTE, sequence: 3 }),
      facts({ timestamp: t0 + 5 * MINUTE, sequence: 4 }),
      sentinel(t0 + 3 * 3_600_000),
    ]);
    const byWindow = (size: number) =>
      finals(driver)
        .filter((window) => window.windowSizeMs === size)
        .map((window) => [window.windowStart - t0, window.executions]);
    expect(byWindow(MINUTE)).toEqual([
      [0, 2],
      [MINUTE, 1],
      [5 * MINUTE, 1],
    ]);
    expect(byWindow(5 * MINUTE)).toEqual([
      [0, 3],
      [5 * MINUTE, 1],
    ]);
    expect(byWindow(3_600_000)).toEqual([[0, 4]]);
  });

  it('counts out-of-order records within the allowed lateness; later ones go to the late output', () => {
    const driver = createTestDriver(aggregateProcessor, { config, partitions: 1 });
    pipe(driver, [
      facts({ timestamp: t0 + 10_000, sequence: 1 }),
      facts({ timestamp: t0 + 3 * MINUTE - 1, sequence: 2 }), // [t0, t0+1m) stays open until the watermark reaches t0+3m
      facts({ timestamp: t0 + 20_000, sequence: 3 }), // within lateness: counts
      facts({ timestamp: t0 + 3 * MINUTE, sequence: 4 }), // closes [t0, t0+1m)
      facts({ timestamp: t0 + 30_000, sequence: 5 }), // late for the minute window, counts in 5 min and 1 h
      sentinel(t0 + 3 * 3_600_000),
    ]);
    const minute = finals(driver).find((window) => window.windowSizeMs === MINUTE && window.windowStart === t0)!;
    expect(minute.executions).toBe(2);
    const fiveMinutes = finals(driver).find(
      (window) => window.windowSizeMs === 5 * MINUTE && window.windowStart === t0,
    )!;
    expect(fiveMinutes.executions).toBe(5);
    const late = driver.late();
    expect(late).toHaveLength(1);
    expect(late[0]!.headers.reason).toContain('60000');
    expect(driver.counters()).toMatchObject({ late: 1 });
  });

  it('gives the same output for any arrival order within the allowed lateness', () => {
    const executions = Array.from({ length: 60 }, (_, sequence) =>
      facts({
        scenarioId: 1 + (sequence % 3),
        timestamp: t0 + sequence * 7_000,
        duration: 100 + sequence * 37,
        status: statuses[sequence % statuses.length]!,
        sequence,
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 60, maxLength: 60 }), (jitter) => {
        // Shuffle by at most 100 s of event time (below the 120 s allowed lateness).
        const shuffled = executions
          .map((execution, index) => ({ execution, at: execution.timestamp + jitter[index]! }))
          .sort((a, b) => a.at - b.at)
          .map(({ execution }) => execution);
        const ordered = createTestDriver(aggregateProcessor, { config, partitions: 1 });
        pipe(ordered, [...executions, sentinel(t0 + 5 * 3_600_000)]);
        const disordered = createTestDriver(aggregateProcessor, { config, partitions: 1 });
        pipe(disordered, [...shuffled, sentinel(t0 + 5 * 3_600_000)]);
        expect(disordered.late()).toHaveLength(0);
        expect(finals(disordered)).toEqual(finals(ordered));
      }),
      { numRuns: 15 },
    );
  });

  it('emits early revisions when configured, then one final revision, each with its own id', () => {
    const driver = createTestDriver(aggregateProcessor, {
      config: { ...config, windowSizesMs: [5 * MINUTE], earlyUpdateIntervalMs: MINUTE },
      partitions: 1,
    });
    pipe(driver, [
      facts({ timestamp: t0 + 10_000, sequence: 1 }),
      facts({ timestamp: t0 + 70_000, sequence: 2 }),
      facts({ timestamp: t0 + 80_000, sequence: 3 }),
      // The early timer at t0+1m fires after the record that moved the watermark past it (70 s, counted);
      // this one fires t0+2m (changed) and t0+3m (unchanged: nothing emitted).
      facts({ timestamp: t0 + 200_000, sequence: 4 }),
      sentinel(t0 + 3 * 3_600_000),
    ]);
    const emitted = driver
      .read<MetricWindow>(METRICS_TOPIC)
      .map((record) => record.value)
      .filter((window) => window.scenarioId === 11);
    expect(emitted.map((window) => [window.revision, window.isFinal, window.executions])).toEqual([
      [0, false, 2],
      [1, false, 4],
      [2, true, 4],
    ]);
    expect(emitted.map((window) => window.eventId)).toEqual(
      [0, 1, 2].map((revision) =>
        metricWindowEventId({
          zone: 'eu1.make.com',
          scenarioId: 11,
          windowSizeMs: 5 * MINUTE,
          windowStart: t0,
          revision,
        }),
      ),
    );
  });

  it('restarted mid-stream (restored from its changelog) produces exactly the uninterrupted output', () => {
    const executions = Array.from({ length: 200 }, (_, sequence) =>
      facts({ scenarioId: 1 + (sequence % 5), timestamp: t0 + sequence * 20_000, duration: sequence * 11, sequence }),
    );
    const whole = createTestDriver(aggregateProcessor, { config: { rollups: true } });
    pipe(whole, [...executions, sentinel(t0 + 10 * 3_600_000)]);
    const split = createTestDriver(aggregateProcessor, { config: { rollups: true } });
    pipe(split, executions.slice(0, 77));
    split.restart();
    pipe(split, executions.slice(77, 150));
    split.restart();
    pipe(split, [...executions.slice(150), sentinel(t0 + 10 * 3_600_000)]);
    expect(split.read(METRICS_TOPIC)).toEqual(whole.read(METRICS_TOPIC));
    expect(split.read('makestream.processor.aggregate.rollup')).toEqual(
      whole.read('makestream.processor.aggregate.rollup'),
    );
    expect(whole.deadLetters()).toHaveLength(0);
  });

  it('keeps the duration sketch in the output so windows can be merged, and counts negative durations', () => {
    const driver = createTestDriver(aggregateProcessor, { config, partitions: 1 });
    pipe(driver, [facts({ timestamp: t0, duration: -3, sequence: 1 }), sentinel(t0 + 3 * 3_600_000)]);
    const [window] = finals(driver);
    expect(window!.durationSketch!.length).toBeGreaterThan(9);
    expect(window).toMatchObject({
      durationMinMs: 0,
      durationP50Ms: 0,
      scope: 'SCENARIO',
      scopeId: 11,
      scenarioCount: 1,
    });
    expect(driver.counters()).toMatchObject({ 'negative-duration': 1 });
  });
});
