/**
 * A small stateful processor for the runtime's own tests and benchmark: counts executions per scenario
 * in tumbling event-time windows and emits `{ scenarioId, windowStart, windowEnd, count }` (JSON) when a
 * window closes. Executions whose id starts with `poison` make it throw (dead-letter tests); records of
 * a closed window go to the late side output.
 */
import { avroTopic, defineProcessor, jsonTopic, type ProcessorDefinition } from '../api.js';
import { isWindowClosed, tumblingWindow, windowStore } from '../windows.js';
import type { ScenarioExecution } from '../../../schemas/generated/types.js';

/** A window count as emitted. */
export interface WindowCount {
  readonly scenarioId: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly count: number;
}

/** Options of {@link windowedCounter}. */
export interface WindowedCounterOptions {
  readonly name: string;
  /** Topic of ScenarioExecution records (Avro). */
  readonly input: string;
  /** Topic of the window counts (JSON). */
  readonly output: string;
  readonly windowMs?: number;
  readonly allowedLatenessMs?: number;
}

/** The windowed counter. */
export function windowedCounter(options: WindowedCounterOptions): ProcessorDefinition<unknown, ScenarioExecution> {
  const windowMs = options.windowMs ?? 60_000;
  return defineProcessor<unknown, ScenarioExecution>({
    name: options.name,
    description: 'Counts executions per scenario in tumbling event-time windows (runtime tests).',
    inputs: [avroTopic(options.input, 'scenario-execution')],
    outputs: [jsonTopic(options.output)],
    stores: ['windows'],
    allowedLatenessMs: options.allowedLatenessMs ?? 0,
    eventTime: (record) => record.value.timestamp,
    createTask: () => ({
      process(record, context) {
        if (record.value.executionId.startsWith('poison')) {
          throw new TypeError(`Execution ${record.value.executionId} is poison.`);
        }
        const window = tumblingWindow(record.eventTime, windowMs);
        if (isWindowClosed(window, context.watermark)) {
          context.late(`window ${window.start} is closed`);
          return;
        }
        const windows = windowStore<number>(context.store('windows'), windowMs);
        const key = String(record.value.scenarioId);
        windows.put(window.start, key, (windows.get(window.start, key) ?? 0) + 1);
        context.schedule(window.end, `close:${window.start}`);
        context.count('counted');
      },
      onTimer(_time, _id, context) {
        const windows = windowStore<number>(context.store('windows'), windowMs);
        for (const { window, key, value } of windows.closable(context.watermark)) {
          const count: WindowCount = {
            scenarioId: key,
            windowStart: window.start,
            windowEnd: window.end,
            count: value,
          };
          context.emit({ topic: options.output, key, value: count, timestamp: window.end - 1 });
          windows.delete(window.start, key);
        }
      },
    }),
  });
}
