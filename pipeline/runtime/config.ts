/**
 * Settings of the processor runner (a config section for the lead to wire, e.g. `runtime.processors`):
 * a strict zod schema that is also the documentation. Every field has a default.
 */
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';

/** The runner settings schema. */
export const processorRuntimeConfigSchema = z
  .strictObject({
    maxRecords: z
      .number()
      .int()
      .positive()
      .default(500)
      .describe('Upper bound of records per batch (one transaction per task and batch). Example: 500.'),
    pollTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(500)
      .describe('How long one poll waits for records (ms). Example: 500.'),
    sessionTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(10_000)
      .describe('A member silent this long leaves the group and its tasks move (ms). Example: 10000.'),
    catchUpIdleMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Restores and table loads end after this long without records (ms; default 100 embedded, 1500 Kafka).'),
    idleAfterMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'A correlate or aggregate task that has read all of its input and had none for this long is asked whether it is idle (aligned watermarks; ms, default 10000); one that never had input then tells the stage after it, which stops waiting for it. Longer than an upstream stage takes to deliver its first records after a start, else that task counts as idle and its first records may be late downstream.',
      ),
  })
  .describe('The processor runner: batching and group membership.');

/** Parsed runner settings. */
export type ProcessorRuntimeConfig = z.output<typeof processorRuntimeConfigSchema>;

/** Parses the section; ConfigError names the field (`<where>.<field>`). */
export function parseProcessorRuntimeConfig(raw: unknown, where = 'runtime.processors'): ProcessorRuntimeConfig {
  const parsed = processorRuntimeConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${where}.${issue.path.join('.')}: ${issue.message}.`, { component: 'runtime' });
  }
  return parsed.data;
}
