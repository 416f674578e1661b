/**
 * Configuration of the `aggregate` and `rollup` processors (config section `processors.aggregate`):
 * a strict zod schema that is also the documentation of every key.
 */
import { z } from 'zod';
import { ConfigError } from '../../pipeline/errors/index.js';
import { writerIdleAfterMsSchema } from '../../pipeline/runtime/heartbeats.js';

/** Default window sizes: 1 minute, 5 minutes, 1 hour. */
export const DEFAULT_WINDOW_SIZES_MS = [60_000, 300_000, 3_600_000] as const;

/**
 * Internal topic between `aggregate` and `rollup` (JSON): each final scenario window twice, keyed
 * `team:<teamId>` and `org:<organizationId>`, so one rollup task sees all windows of a team or an
 * organization. Fixed (processor topics are part of the definition, not of the config).
 */
export const ROLLUP_TOPIC = 'makestream.processor.aggregate.rollup';

/** Schema of the `processors.aggregate` section. */
export const aggregateConfigSchema = z
  .strictObject({
    windowSizesMs: z
      .array(z.number().int().min(1_000).max(86_400_000))
      .min(1)
      .default([...DEFAULT_WINDOW_SIZES_MS])
      .refine((sizes) => new Set(sizes).size === sizes.length, 'window sizes must be distinct')
      .describe('Tumbling event-time window sizes in ms (example: [60000, 300000, 3600000]).'),
    allowedLatenessMs: z
      .number()
      .int()
      .min(0)
      .default(120_000)
      .describe(
        'How long after a window ends (in event time: the highest execution time seen) records still count; then the window closes, its final result is emitted and later records go to the late side output.',
      ),
    earlyUpdateIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'Emit early, non-final results of an open window every this many ms of event time (when it changed); 0 = only final results.',
      ),
    sketchRelativeAccuracy: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.01)
      .describe(
        'DDSketch relative accuracy of the duration quantiles (0.01: within 1 %). Must be equal for aggregate and rollup.',
      ),
    keepSketch: z
      .boolean()
      .default(true)
      .describe('Write the compact duration sketch into MetricWindow.durationSketch (needed to merge windows later).'),
    rollups: z
      .boolean()
      .default(true)
      .describe('Send each final scenario window to the rollup topic for the team and organization rollups.'),
    rollupLatenessMs: z
      .number()
      .int()
      .min(0)
      .default(600_000)
      .describe(
        'How long (in window-end time) the rollup waits for scenario windows from slower aggregate tasks before it closes a team/organization window.',
      ),
    heartbeatIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(60_000)
      .describe(
        "Every this much event time each aggregate task sends its progress (a heartbeat) to every partition of the rollup topic: the rollup's aligned watermark is the minimum over the aggregate tasks. 0 turns heartbeats off (the rollup then never closes a window).",
      ),
    rollupPartitions: z
      .number()
      .int()
      .min(1)
      .default(6)
      .describe(
        "Partition count of the rollup topic (`makestream run` creates internal topics with 6; heartbeats are keyed to reach each). Must equal the topic's count, else the rollup tasks of the partitions no heartbeat reaches never close a window.",
      ),
    aggregateTasks: z
      .number()
      .int()
      .min(1)
      .default(6)
      .describe(
        'How many aggregate tasks write the rollup topic (= partitions of make.executions.raw.v1): the rollup waits for the progress of each.',
      ),
    idleAfterMs: writerIdleAfterMsSchema,
  })
  .describe('Windowed per-scenario aggregates and their team/organization rollups.');

/** The config as written (defaults optional). */
export type AggregateConfigInput = z.input<typeof aggregateConfigSchema>;
/** The config with defaults applied. */
export type AggregateConfig = z.output<typeof aggregateConfigSchema>;

/** Validates `input` (undefined = all defaults); throws one ConfigError listing every problem by field. */
export function parseAggregateConfig(input: unknown, prefix = 'processors.aggregate'): AggregateConfig {
  const result = aggregateConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`,
  );
  throw new ConfigError(`Invalid aggregate configuration:\n  ${problems.join('\n  ')}`, {
    component: 'processors.aggregate',
  });
}
