import { describe, expect, it } from '@jest/globals';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';
import { myProcessor, myProcessorOutput, type MyProcessorAlert } from './processor.js';

const input = 'make.executions.raw.v1';
const start = Date.UTC(2026, 0, 1);

function execution(scenarioId: number, minute: number, status: ScenarioExecution['status']) {
  const base = exampleEvents['com.makestream.v1.ScenarioExecution'];
  const timestamp = start + minute * 60_000;
  const value: ScenarioExecution = { ...base, scenarioId, status, timestamp, executionId: `e-${scenarioId}-${minute}` };
  return { key: String(scenarioId), value, timestamp };
}

describe('my-processor', () => {
  it('alerts once a window with enough failures closes, and not for the others', () => {
    const driver = createTestDriver(myProcessor, { config: { windowMs: 300_000, threshold: 2 }, partitions: 1 });
    driver.pipe(input, [
      execution(7, 0, 'ERROR'),
      execution(7, 1, 'ERROR'),
      execution(8, 2, 'ERROR'),
      execution(8, 3, 'SUCCESS'),
      execution(9, 6, 'SUCCESS'), // moves the watermark past the first window's end
    ]);
    expect(driver.read<MyProcessorAlert>(myProcessorOutput).map((record) => record.value)).toEqual([
      { scenarioId: '7', windowStart: start, windowEnd: start + 300_000, failures: 2 },
    ]);
    expect(driver.deadLetters()).toEqual([]);
    expect(driver.counters()).toMatchObject({ failures: 3 });
  });

  it('sends failures of a closed window to the late side output', () => {
    const driver = createTestDriver(myProcessor, { partitions: 1 });
    driver.pipe(input, [execution(7, 10, 'SUCCESS'), execution(7, 1, 'ERROR')]);
    expect(driver.late()).toHaveLength(1);
  });

  it('keeps its windows across a restart', () => {
    const driver = createTestDriver(myProcessor, { config: { threshold: 2 }, partitions: 1 });
    driver.pipe(input, [execution(7, 0, 'ERROR')]);
    driver.restart();
    driver.pipe(input, [execution(7, 1, 'ERROR'), execution(7, 6, 'SUCCESS')]);
    expect(driver.read(myProcessorOutput)).toHaveLength(1);
  });

  it('rejects a bad config naming the field', () => {
    expect(() => createTestDriver(myProcessor, { config: { threshold: 0 } })).toThrow(
      /processors\.my-processor\.threshold/,
    );
  });
});
