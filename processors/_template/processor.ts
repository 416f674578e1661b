/**
 * my-processor: raises an alert when a scenario has `threshold` or more failed executions in one
 * event-time window. A starting point for a new processor (see processors/README.md, "Add a
 * processor"): config with zod, event time, a state store with per-window state, an event-time timer
 * that closes windows, the late side output and a counter.
 */
import { z } from 'zod';
import { ConfigError } from '../../pipeline/errors/index.js';
import { avroTopic, defineProcessor, jsonTopic } from '../../pipeline/runtime/api.js';
import { isWindowClosed, tumblingWindow, windowStore } from '../../pipeline/runtime/windows.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';

/** The config section `processors.my-processor`. */
export const myProcessorConfigSchema = z.strictObject({
  windowMs: z.number().int().positive().default(300_000).describe('Window size (ms). Example: 300000 (5 minutes).'),
  threshold: z.number().int().positive().default(3).describe('Failed executions per window that raise an alert.'),
});

/** The parsed config. */
export type MyProcessorConfig = z.output<typeof myProcessorConfigSchema>;

/** An alert as emitted (JSON). */
export interface MyProcessorAlert {
  readonly scenarioId: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly failures: number;
}

/** The output topic. */
export const myProcessorOutput = 'makestream.my-processor.alerts';

/** Parses the config section; ConfigError names the field. */
export function parseMyProcessorConfig(raw: unknown): MyProcessorConfig {
  const parsed = myProcessorConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`processors.my-processor.${issue.path.join('.')}: ${issue.message}.`, {
      component: 'processors.my-processor',
    });
  }
  return parsed.data;
}

/** The processor. */
export const myProcessor = defineProcessor<MyProcessorConfig, ScenarioExecution>({
  name: 'my-processor',
  description: 'Alerts on scenarios with many failed executions in a window.',
  inputs: [avroTopic('make.executions.raw.v1', 'scenario-execution')],
  outputs: [jsonTopic(myProcessorOutput)],
  stores: ['failures'],
  eventTime: (record) => record.value.timestamp,
  parseConfig: parseMyProcessorConfig,
  createTask: (config) => ({
    process(record, context) {
      if (record.value.status !== 'ERROR') return;
      const window = tumblingWindow(record.eventTime, config.windowMs);
      if (isWindowClosed(window, context.watermark)) {
        context.late(`window ${window.start} already closed`);
        return;
      }
      const failures = windowStore<number>(context.store('failures'), config.windowMs);
      const key = String(record.value.scenarioId);
      failures.put(window.start, key, (failures.get(window.start, key) ?? 0) + 1);
      context.schedule(window.end, `close:${window.start}`);
      context.count('failures');
    },
    onTimer(_time, _id, context) {
      const failures = windowStore<number>(context.store('failures'), config.windowMs);
      for (const { window, key, value } of failures.closable(context.watermark)) {
        failures.delete(window.start, key);
        if (value < config.threshold) continue;
        const alert: MyProcessorAlert = {
          scenarioId: key,
          windowStart: window.start,
          windowEnd: window.end,
          failures: value,
        };
        context.emit({ topic: myProcessorOutput, key, value: alert, timestamp: window.end - 1 });
      }
    },
  }),
});
