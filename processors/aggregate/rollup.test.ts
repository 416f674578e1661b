import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import type { TestDriver } from '../../pipeline/runtime/test-driver.js';
import type { ExecutionStatus, MetricWindow } from '../../schemas/generated/types.js';
import { ROLLUP_TOPIC } from './config.js';
import { rollupKey, toContribution } from './contribution.js';
import type { RollupContribution } from './contribution.js';
import { rollupWindowEventId } from './ids.js';
import { aggregateProcessor, EXECUTIONS_TOPIC, METRICS_TOPIC } from './processor.js';
import { rollupProcessor } from './rollup.js';
import { createDurationSketcher } from './sketch.js';
import { addExecution, emptyTotals } from './totals.js';
import { exactQuantile, makeExecution, referenceWindows } from './testing.js';
import type { ExecutionFacts } from './testing.js';

const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const HOUR = 3_600_000;
const sizes = [60_000, 300_000, HOUR];
const sketcher = createDurationSketcher(0.01);
const PARTITIONS = 3;
const config = { allowedLatenessMs: 120_000, rollupLatenessMs: 24 * HOUR, aggregateTasks: PARTITIONS };

/** A heartbeat of aggregate task `task` promising `timestamp`, for one rollup partition. */
function heartbeat(task: number, timestamp: number, partition = 0) {
  return { key: `heartbeat:${task}`, value: { heartbeat: true, task, timestamp }, partition };
}

/**
 * Pipes executions, then two sentinel executions per partition far in the future: the first closes
 * every aggregate window, the second makes each aggregate task send that progress to the rollup
 * (heartbeats go out before a record), which closes every rollup window.
 */
function run(driver: TestDriver, executions: readonly ExecutionFacts[]): void {
  const far = t0 + 1_000 * HOUR;
  driver.pipe(
    EXECUTIONS_TOPIC,
    executions.map((execution) => ({ key: String(execution.scenarioId), value: makeExecution(execution) })),
  );
  for (const time of [far, far + 100 * HOUR]) {
    driver.pipe(
      EXECUTIONS_TOPIC,
      Array.from({ length: PARTITIONS }, (_, partition) => ({
        key: '0',
        value: makeExecution({ ...executions[0]!, scenarioId: 0, teamId: 0, organizationId: 0, timestamp: time }),
        partition,
      })),
    );
  }
}

const rollups = (driver: TestDriver, scope: 'TEAM' | 'ORGANIZATION'): MetricWindow[] =>
  driver
    .read<MetricWindow>(METRICS_TOPIC)
    .map((record) => record.value)
    .filter((window) => window.scope === scope && window.scopeId !== 0);

const statuses: ExecutionStatus[] = ['SUCCESS', 'WARNING', 'ERROR', 'RUNNING'];
const arbitraryExecutions = fc
  .array(
    fc.record({
      scenarioId: fc.integer({ min: 1, max: 8 }),
      offset: fc.integer({ min: 0, max: 2 * HOUR }),
      status: fc.constantFrom(...statuses),
      duration: fc.integer({ min: 0, max: 200_000 }),
      operations: fc.integer({ min: 0, max: 50 }),
      transfer: fc.integer({ min: 0, max: 100_000 }),
      centicredits: fc.option(fc.integer({ min: 0, max: 5_000 })),
    }),
    { minLength: 1, maxLength: 150 },
  )
  .map((rows) =>
    rows
      .map((row, sequence) => ({
        ...row,
        teamId: 100 + (row.scenarioId % 3),
        organizationId: 7,
        timestamp: t0 + row.offset,
        sequence,
      }))
      .sort((a, b) => a.timestamp - b.timestamp),
  );

describe('rollup', () => {
  it('team and organization windows equal the aggregate over all records of the team / organization', () => {
    fc.assert(
      fc.property(arbitraryExecutions, (executions) => {
        const driver = createTestDriver([aggregateProcessor, rollupProcessor], { config, partitions: PARTITIONS });
        run(driver, executions);
        for (const [scope, groupOf] of [
          ['TEAM', (execution: ExecutionFacts) => execution.teamId],
          ['ORGANIZATION', (execution: ExecutionFacts) => execution.organizationId],
        ] as const) {
          const reference = referenceWindows(executions, sizes, groupOf);
          const emitted = rollups(driver, scope);
          expect(emitted).toHaveLength(reference.size);
          for (const window of emitted) {
            const {
              durations,
              real: _real,
              ...exact
            } = reference.get(`${window.scopeId}|${window.windowSizeMs}|${window.windowStart}`)!;
            expect(window).toMatchObject({ ...exact, isFinal: true, revision: 0, scenarioId: null });
            // Rollups keep no real-run totals (contributions do not carry them).
            expect([window.realRuns, window.realRunCenticredits, window.realRunDurationSketch]).toEqual([
              null,
              null,
              null,
            ]);
            const scenarios = new Set(
              executions
                .filter((execution) => groupOf(execution) === window.scopeId)
                .filter(
                  (execution) => execution.timestamp >= window.windowStart && execution.timestamp < window.windowEnd,
                )
                .map((execution) => execution.scenarioId),
            );
            expect(window.scenarioCount).toBe(scenarios.size);
            expect(window.teamId).toBe(scope === 'TEAM' ? window.scopeId : null);
            // The merged sketch is exactly the sketch of all the team's durations.
            const all = sketcher.empty();
            for (const duration of durations) sketcher.add(all, duration);
            expect(window.durationSketch).toEqual(sketcher.encode(all));
            const p95 = exactQuantile(durations, 0.95);
            expect(Math.abs(window.durationP95Ms! - p95)).toBeLessThanOrEqual(0.01 * p95 + 1e-9);
            expect(window.eventId).toBe(
              rollupWindowEventId({
                zone: 'eu1.make.com',
                scope,
                scopeId: window.scopeId!,
                windowSizeMs: window.windowSizeMs,
                windowStart: window.windowStart,
                revision: 0,
              }),
            );
          }
        }
        expect(driver.deadLetters('rollup')).toHaveLength(0);
        expect(driver.late('rollup')).toHaveLength(0);
      }),
      { numRuns: 15 },
    );
  });

  it('restarted mid-stream (both processors restored from their changelogs) gives the uninterrupted output', () => {
    const executions = Array.from({ length: 300 }, (_, sequence) => ({
      scenarioId: 1 + (sequence % 7),
      teamId: 100 + (sequence % 3),
      organizationId: 7,
      timestamp: t0 + sequence * 20_000,
      status: statuses[sequence % statuses.length]!,
      duration: 50 + ((sequence * 977) % 60_000),
      operations: sequence % 4,
      transfer: sequence,
      centicredits: 10,
      sequence,
    }));
    const whole = createTestDriver([aggregateProcessor, rollupProcessor], { config, partitions: PARTITIONS });
    run(whole, executions);
    const split = createTestDriver([aggregateProcessor, rollupProcessor], { config, partitions: PARTITIONS });
    split.pipe(
      EXECUTIONS_TOPIC,
      executions
        .slice(0, 140)
        .map((execution) => ({ key: String(execution.scenarioId), value: makeExecution(execution) })),
    );
    split.restart();
    run(split, executions.slice(140));
    expect(rollups(split, 'TEAM')).toEqual(rollups(whole, 'TEAM'));
    expect(rollups(split, 'ORGANIZATION')).toEqual(rollups(whole, 'ORGANIZATION'));
    expect(rollups(whole, 'TEAM').length).toBeGreaterThan(50);
  });

  function contribution(scenarioId: number, duration: number): RollupContribution {
    const totals = emptyTotals(sketcher);
    addExecution(totals, { status: 'ERROR', duration, operations: 1, transfer: 10, centicredits: 100 }, sketcher);
    return toContribution(
      {
        scope: 'TEAM',
        scopeId: 42,
        zone: 'eu1.make.com',
        organizationId: 7,
        teamId: 42,
        scenarioId,
        windowSizeMs: 60_000,
        windowStart: t0,
        windowEnd: t0 + 60_000,
      },
      totals,
      sketcher,
    );
  }

  it('counts a scenario once per window when its contribution arrives twice', () => {
    const driver = createTestDriver(rollupProcessor, {
      config: { rollupLatenessMs: 60_000, aggregateTasks: 1 },
      partitions: 1,
    });
    const key = rollupKey('TEAM', 42);
    driver.pipe<unknown>(ROLLUP_TOPIC, [
      { key, value: contribution(1, 500) },
      { key, value: contribution(2, 700) },
      { key, value: contribution(1, 500) },
      heartbeat(0, t0 + HOUR),
    ]);
    const [window] = rollups(driver, 'TEAM');
    expect(window).toMatchObject({
      executions: 2,
      errors: 2,
      scenarioCount: 2,
      durationMinMs: 500,
      durationMaxMs: 700,
    });
    expect(driver.counters('rollup')).toMatchObject({ 'duplicate-contribution': 1 });
  });

  it('sends contributions after the rollup lateness to the late output, and garbage to the DLQ', () => {
    const driver = createTestDriver(rollupProcessor, {
      config: { rollupLatenessMs: 60_000, aggregateTasks: 1 },
      partitions: 1,
    });
    const key = rollupKey('TEAM', 42);
    driver.pipe<unknown>(ROLLUP_TOPIC, [
      { key, value: contribution(1, 500) },
      heartbeat(0, t0 + 3 * 60_000), // t0's window ends at t0+1m: closed at t0+2m
      { key, value: contribution(2, 700) },
      { key, value: { scope: 'TEAM', scopeId: -1 } },
    ]);
    expect(rollups(driver, 'TEAM')).toMatchObject([{ executions: 1, scenarioCount: 1 }]);
    expect(driver.late('rollup')).toHaveLength(1);
    const letters = driver.deadLetters('rollup');
    expect(letters).toHaveLength(1);
    expect(letters[0]!.value.errorMessage).toMatch(/Rollup contribution is invalid: scopeId/);
  });
});
