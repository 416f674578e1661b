import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { partitionForKey } from '../../pipeline/log/partitioner.js';
import { isHeartbeat } from '../../pipeline/runtime/heartbeats.js';
import { createTestDriver, type TestOutputRecord } from '../../pipeline/runtime/test-driver.js';
import type { MetricWindow } from '../../schemas/generated/types.js';
import { ROLLUP_TOPIC } from './config.js';
import { aggregateProcessor, EXECUTIONS_TOPIC, METRICS_TOPIC, WRITER_HEADER } from './processor.js';
import { rollupProcessor } from './rollup.js';
import { makeExecution, type ExecutionFacts } from './testing.js';

const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const MINUTE = 60_000;
const TASKS = 3;
const config = { allowedLatenessMs: 2 * MINUTE, rollupLatenessMs: 0, aggregateTasks: TASKS, rollupPartitions: 2 };

const facts = (scenarioId: number, minute: number): ExecutionFacts => ({
  scenarioId,
  teamId: 100,
  organizationId: 7,
  timestamp: t0 + minute * MINUTE,
  status: 'SUCCESS',
  duration: 1000 + Math.round(minute * 10),
  operations: 1,
  transfer: 10,
  centicredits: 5,
  sequence: Math.round(minute * 10),
});

/** Scenario ids whose executions land in partitions 0 and 1 of TASKS (none in partition 2). */
const scenarios = [1, 2, 3, 4, 5, 6, 7, 8].filter((id) => partitionForKey(String(id), TASKS) !== 2).slice(0, 4);

describe('aggregate heartbeats to the rollup', () => {
  it('sends its promise (watermark - lateness) to every rollup partition once per interval, and idles', () => {
    const driver = createTestDriver(aggregateProcessor, {
      config,
      partitions: { [EXECUTIONS_TOPIC]: TASKS, [ROLLUP_TOPIC]: 2 },
    });
    const scenario = scenarios[0]!;
    const task = partitionForKey(String(scenario), TASKS);
    for (const minute of [0, 5, 5.5, 9]) {
      driver.pipe(EXECUTIONS_TOPIC, [{ key: String(scenario), value: makeExecution(facts(scenario, minute)) }]);
    }
    const heartbeats = () => driver.read(ROLLUP_TOPIC).filter((record) => isHeartbeat(record.value));
    // Before each record, from the watermark before it: 0-2 → slot -2; 5-2 → slot 3; 5.5-2 → still 3.
    expect(heartbeats().map((record) => [record.partition, record.value])).toEqual(
      [-2, 3].flatMap((minute) =>
        [0, 1].map((partition) => [partition, { heartbeat: true, task, timestamp: t0 + minute * MINUTE }]),
      ),
    );
    // Asked after the runner's idleAfterMs: tasks without input say so at once, this one only after
    // the aggregate's idleAfterMs (60 s); once each (a second ask repeats nothing), with the last promise.
    const idle = () => heartbeats().filter((record) => (record.value as { idle?: boolean }).idle === true);
    driver.idle({ idleForMs: 10_000 });
    expect(new Set(idle().map((record) => (record.value as { task: number }).task))).toEqual(
      new Set([0, 1, 2].filter((other) => other !== task)),
    );
    driver.idle({ idleForMs: 60_000 });
    driver.idle({ idleForMs: 70_000 });
    expect(idle().filter((record) => (record.value as { task: number }).task === task)).toEqual(
      [0, 1].map((partition) =>
        expect.objectContaining({
          partition,
          value: { heartbeat: true, task, idle: true, timestamp: t0 + 3 * MINUTE },
        }),
      ),
    );
    // Woken up: its next record first sends its promise again (not idle).
    driver.pipe(EXECUTIONS_TOPIC, [{ key: String(scenario), value: makeExecution(facts(scenario, 9.5)) }]);
    expect(heartbeats().at(-1)).toMatchObject({ value: { heartbeat: true, task, timestamp: t0 + 7 * MINUTE } });
    // The scenario windows name their writer task.
    const windows = driver.read<MetricWindow>(METRICS_TOPIC);
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((record) => record.headers[WRITER_HEADER] === String(task))).toBe(true);
  });

  it('gives the same rollup windows, in the same order, whatever the interleaving of the aggregate tasks', () => {
    // The aggregate's output on the rollup topic, per writer task, in each task's order.
    const upstream = createTestDriver(aggregateProcessor, {
      config,
      partitions: { [EXECUTIONS_TOPIC]: TASKS, [ROLLUP_TOPIC]: 2 },
    });
    for (let minute = 0; minute < 40; minute += 1.5) {
      const scenario = scenarios[Math.floor(minute) % scenarios.length]!;
      upstream.pipe(EXECUTIONS_TOPIC, [{ key: String(scenario), value: makeExecution(facts(scenario, minute)) }]);
    }
    upstream.idle();
    const writerOf = (record: TestOutputRecord<unknown>): number => {
      const value = record.value as { task?: number; scenarioId?: number };
      return isHeartbeat(value) ? value.task : partitionForKey(String(value.scenarioId), TASKS);
    };
    const sequences = [0, 1, 2].map((writer) =>
      upstream.read(ROLLUP_TOPIC).filter((record) => writerOf(record) === writer),
    );
    const replay = (choices: readonly number[]): string => {
      const driver = createTestDriver(rollupProcessor, { config, partitions: { [ROLLUP_TOPIC]: 2 } });
      const cursors = [0, 0, 0];
      for (let step = 0; cursors.some((cursor, writer) => cursor < sequences[writer]!.length); step++) {
        const open = [0, 1, 2].filter((writer) => cursors[writer]! < sequences[writer]!.length);
        const writer = open[(choices[step % Math.max(choices.length, 1)] ?? 0) % open.length]!;
        const record = sequences[writer]![cursors[writer]!++]!;
        driver.pipe<unknown>(ROLLUP_TOPIC, [{ key: record.key, value: record.value, partition: record.partition }]);
      }
      expect(driver.late('rollup')).toEqual([]);
      // Per partition (each rollup task's own order): across partitions the order is the tasks' race.
      const records = driver.read(METRICS_TOPIC).map((record) => [record.partition, record.key, record.value] as const);
      return JSON.stringify([...records].sort((a, b) => a[0] - b[0]));
    };
    const reference = replay([0]);
    expect(JSON.parse(reference).length).toBeGreaterThan(5);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 80 }), (choices) => {
        expect(replay(choices)).toBe(reference);
      }),
      { numRuns: 25 },
    );
  });
});
