import { describe, expect, it } from '@jest/globals';
import { avroTopic, defineMapper, defineProcessor, jsonTopic } from './api.js';
import { partitionForKey } from '../log/partitioner.js';
import { createTestDriver } from './test-driver.js';
import { DEAD_LETTER_HEADERS } from './dead-letters.js';
import { executions } from './testing/executions.js';
import { windowedCounter, type WindowCount } from './testing/windowed-counter.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';

const input = 'make.executions.raw.v1';
const output = 'test.window-counts';
const counter = windowedCounter({ name: 'counter', input, output, windowMs: 10_000 });

function totals(records: readonly { value: WindowCount }[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { value } of records) sums.set(value.scenarioId, (sums.get(value.scenarioId) ?? 0) + value.count);
  return sums;
}

describe('test driver', () => {
  it('runs a windowed counter: windows close on the watermark and emit their counts', () => {
    const driver = createTestDriver(counter, { partitions: { [output]: 3 } });
    const records = executions({ count: 100, scenarios: 4, stepMs: 1000 });
    driver.pipe(input, records);
    const counts = driver.read<WindowCount>(output);
    // 100 s of events in 10 s windows: every window but the last per partition has closed.
    expect(counts.length).toBeGreaterThan(0);
    const expected = new Map<string, number>();
    for (const record of records.filter((r) => r.timestamp < Date.UTC(2026, 0, 1) + 90_000)) {
      expected.set(record.key, (expected.get(record.key) ?? 0) + 1);
    }
    // The closed windows hold every record before the last window of its partition's watermark.
    for (const [key, sum] of totals(counts)) expect(sum).toBeLessThanOrEqual(expected.get(key) ?? 0);
    for (const record of counts) {
      expect(record.partition).toBe(partitionForKey(record.key!, 3));
      expect(record.value.windowEnd - record.value.windowStart).toBe(10_000);
    }
    // make.executions.raw.v1 has 6 partitions (pipeline/topics.ts), so 6 tasks.
    const open = [0, 1, 2, 3, 4, 5].flatMap((task) => [...driver.store<number>(task, 'windows').entries()]);
    const all = totals(counts);
    for (const [storeKey, value] of open) {
      const key = storeKey.split('|')[1]!;
      all.set(key, (all.get(key) ?? 0) + value);
    }
    const perKey = new Map<string, number>();
    for (const record of records) perKey.set(record.key, (perKey.get(record.key) ?? 0) + 1);
    expect(all).toEqual(perKey);
    expect(driver.counters()).toMatchObject({ 'records-in': 100, counted: 100 });
  });

  it('gives a task the same watermark, timers and store after restart (restored from its changelogs)', () => {
    const records = executions({ count: 120, scenarios: 6, stepMs: 700 });
    const whole = createTestDriver(counter);
    whole.pipe(input, records);
    const split = createTestDriver(counter);
    split.pipe(input, records.slice(0, 50));
    const watermarks = [0, 1, 2, 3, 4, 5].map((task) => split.watermark(task));
    split.restart();
    expect([0, 1, 2, 3, 4, 5].map((task) => split.watermark(task))).toEqual(watermarks);
    expect(watermarks.filter((watermark) => watermark > 0).length).toBeGreaterThan(2);
    split.pipe(input, records.slice(50));
    expect(split.read(output)).toEqual(whole.read(output));
    expect([...split.store(1, 'windows').entries()]).toEqual([...whole.store(1, 'windows').entries()]);
  });

  it('dead-letters a throwing record with its context, rolls back its changes and goes on', () => {
    const records = executions({ count: 30, scenarios: 1, stepMs: 1000, poison: new Set([7]) });
    const driver = createTestDriver(counter, { partitions: 1 });
    driver.pipe(input, records);
    const letters = driver.deadLetters();
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter!.value).toMatchObject({
      stage: 'PROCESSING',
      component: 'processors.counter',
      originalTopic: input,
      originalPartition: 0,
      originalOffset: 7,
      consumerGroup: 'makestream.processor.counter',
      errorName: 'TypeError',
      errorMessage: 'Execution poison-7 is poison.',
    });
    expect(letter!.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.processor]: 'counter',
      [DEAD_LETTER_HEADERS.errorClass]: 'TypeError',
      [DEAD_LETTER_HEADERS.sourceOffset]: '7',
    });
    const counted = totals(driver.read<WindowCount>(output)).get('1000') ?? 0;
    const open = [...driver.store<number>(0, 'windows').entries()].reduce((sum, [, value]) => sum + value, 0);
    expect(counted + open).toBe(29);
  });

  it('rolls back store changes and emits of a record that throws after making them', () => {
    const flaky = defineProcessor<unknown, ScenarioExecution>({
      name: 'flaky',
      description: 'puts, emits, then throws on odd ids',
      inputs: [avroTopic(input, 'scenario-execution')],
      outputs: [jsonTopic(output)],
      stores: ['seen'],
      createTask: () => ({
        process(record, context) {
          context.store<number>('seen').put(record.value.executionId, 1);
          context.emit({ topic: output, key: record.key, value: record.value.executionId });
          context.schedule(record.eventTime + 1, record.value.executionId);
          if (record.offset % 2 === 1) throw new Error('odd');
        },
      }),
    });
    const driver = createTestDriver(flaky, { partitions: 1 });
    driver.pipe(input, executions({ count: 4, scenarios: 1 }));
    expect(driver.read(output).map((record) => record.value)).toEqual(['exec-0', 'exec-2']);
    expect([...driver.store(0, 'seen').entries()].map(([key]) => key)).toEqual(['exec-0', 'exec-2']);
    expect(driver.deadLetters().map((letter) => letter.value.originalOffset)).toEqual([1, 3]);
  });

  it('dead-letters a value that does not match the output schema, naming the field', () => {
    const wrong = defineMapper<unknown, ScenarioExecution>({
      name: 'wrong',
      description: 'emits executions with a string scenarioId',
      inputs: [avroTopic(input, 'scenario-execution')],
      outputs: [avroTopic('make.logs.enriched.v1', 'scenario-execution')],
      map: (record) => [
        { topic: 'make.logs.enriched.v1', key: record.key, value: { ...record.value, scenarioId: 'x' } },
      ],
    });
    const driver = createTestDriver(wrong);
    driver.pipe(input, executions({ count: 1 }));
    expect(driver.read('make.logs.enriched.v1')).toEqual([]);
    expect(driver.deadLetters()[0]!.value).toMatchObject({ errorName: 'RecordValidationError' });
    expect(driver.deadLetters()[0]!.value.errorMessage).toContain('scenarioId');
  });

  it('dead-letters a value that cannot be decoded, as a serde failure', () => {
    const driver = createTestDriver(counter);
    driver.pipe(input, [{ key: 'k', value: Buffer.from('not avro') }, ...executions({ count: 1 })]);
    expect(driver.deadLetters().map((letter) => [letter.value.stage, letter.value.errorName])).toEqual([
      ['SERDE', 'InvalidRecordError'],
    ]);
    expect(driver.counters()).toMatchObject({ 'records-in': 2, 'dead-letters': 1, counted: 1 });
  });

  it('sends records of closed windows to the late side output', () => {
    const driver = createTestDriver(counter, { partitions: 1 });
    const [early, , , ...rest] = executions({ count: 40, scenarios: 1 });
    driver.pipe(input, rest);
    driver.pipe(input, [early!]);
    const late = driver.late();
    expect(late).toHaveLength(1);
    expect(late[0]!.value).toMatchObject({ processor: 'counter', offset: 37, eventTime: early!.timestamp });
    expect(driver.counters()).toMatchObject({ late: 1 });
  });

  it('fires timers in (time, id) order once the watermark reaches them', () => {
    const fired: string[] = [];
    const timed = defineProcessor<unknown, ScenarioExecution>({
      name: 'timed',
      description: 'schedules timers',
      inputs: [avroTopic(input, 'scenario-execution')],
      outputs: [],
      createTask: () => ({
        process(record, context) {
          if (record.offset === 0) {
            context.schedule(record.eventTime + 20, 'b');
            context.schedule(record.eventTime + 20, 'a');
            context.schedule(record.eventTime + 10, 'c');
            context.schedule(record.eventTime + 30, 'd');
            context.cancel('d');
          }
        },
        onTimer: (time, id) => void fired.push(`${id}@${time % 1000}`),
      }),
    });
    const driver = createTestDriver(timed, { partitions: 1 });
    driver.pipe(input, executions({ count: 3, stepMs: 15 }));
    expect(fired).toEqual(['c@10', 'a@20', 'b@20']);
  });

  it('chains processors through their topics and reads global tables', () => {
    const tagger = defineMapper<unknown, ScenarioExecution>({
      name: 'tagger',
      description: 'adds the scenario name from a table',
      inputs: [avroTopic(input, 'scenario-execution')],
      outputs: [jsonTopic('test.tagged')],
      tables: { names: jsonTopic('test.names') },
      map: (record, context) => [
        { topic: 'test.tagged', key: record.key, value: context.table<string>('names').get(record.key!) ?? '?' },
      ],
    });
    const upper = defineMapper<unknown, string>({
      name: 'upper',
      description: 'upper-cases',
      inputs: [jsonTopic('test.tagged')],
      outputs: [jsonTopic('test.upper')],
      map: (record) => [{ topic: 'test.upper', key: record.key, value: record.value.toUpperCase() }],
    });
    const driver = createTestDriver([tagger, upper], { partitions: 2 });
    driver.table('names', [{ key: '1000', value: 'orders' }]);
    driver.pipe(input, executions({ count: 2, scenarios: 1 }));
    expect(driver.read('test.upper').map((record) => record.value)).toEqual(['ORDERS', 'ORDERS']);
    expect(driver.counters('upper')).toMatchObject({ 'records-in': 2, 'records-out': 2 });
  });
});
