/**
 * Configuration of the two correlate stages: `processors.correlate` (grouping records by execution)
 * and `processors.incidents` (the incident lifecycle). Strict zod schemas that are also the
 * documentation; every field has a default, so no section at all is valid.
 */
import { z } from 'zod';
import { ConfigError } from '../../pipeline/errors/index.js';
import { writerIdleAfterMsSchema } from '../../pipeline/runtime/heartbeats.js';

const MINUTE = 60_000;

const duration = (fallback: number, what: string) =>
  z.number().int().min(1).default(fallback).describe(`${what} (milliseconds of event time).`);

/** `processors.correlate`: stage 1. */
export const correlateConfigSchema = z
  .strictObject({
    groupTimeoutMs: duration(
      10 * MINUTE,
      'How long after an execution starts its group is closed even if not all its records came. Example: 600000',
    ),
    dedupeRetentionMs: duration(
      60 * MINUTE,
      'How long a closed execution is remembered, so that a duplicate of it (a source re-reading an overlap) is not counted again. Example: 3600000',
    ),
    heartbeatIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(MINUTE)
      .describe(
        'Every this much event time, each task sends a heartbeat (its watermark) to every partition of the occurrences topic, so that incidents resolve even when errors stop altogether; 0 turns heartbeats off. Example: 60000',
      ),
    occurrencePartitions: z
      .number()
      .int()
      .min(1)
      .default(6)
      .describe(
        "Partition count of makestream.correlate.occurrences (`makestream run` creates internal topics with 6): heartbeats are keyed to reach each partition. Must equal the topic's count, else the incidents tasks of the partitions no heartbeat reaches never advance. Example: 6",
      ),
    idleAfterMs: writerIdleAfterMsSchema,
  })
  .describe('Stage 1 of correlate: groups enriched records by execution and emits error occurrences.');

const threshold = (occurrences: number, scenarios: number, level: string) =>
  z
    .strictObject({
      occurrences: z
        .number()
        .int()
        .min(1)
        .default(occurrences)
        .describe(`Occurrences from which an incident is ${level}.`),
      scenarios: z
        .number()
        .int()
        .min(1)
        .default(scenarios)
        .describe(`Affected scenarios from which an incident is ${level}.`),
    })
    .default({ occurrences, scenarios })
    .describe(`Thresholds of ${level} (either one suffices).`);

/** `processors.incidents`: stage 2. */
export const incidentsConfigSchema = z
  .strictObject({
    openThreshold: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('Occurrences of one fingerprint within openWindowMs that open an incident. Example: 3'),
    reopenThreshold: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('Occurrences within openWindowMs that reopen a resolved incident (a regression). Example: 1'),
    openWindowMs: duration(15 * MINUTE, 'Window in which openThreshold occurrences open an incident. Example: 900000'),
    resolveAfterMs: duration(
      30 * MINUTE,
      'Quiet time after the last occurrence that resolves an incident. Example: 1800000',
    ),
    updateEveryOccurrences: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe(
        'An open incident emits an ONGOING revision after this many new occurrences (also whenever it spreads to a new scenario or its severity changes). Example: 100',
      ),
    correlateTasks: z
      .number()
      .int()
      .min(1)
      .default(6)
      .describe(
        'How many correlate tasks write the occurrences topic (= partitions of make.logs.enriched.v1): the watermark is the minimum of their heartbeats. Example: 6',
      ),
    maxAffectedScenarios: z.number().int().min(1).default(100).describe('Bound of affectedScenarioIds. Example: 100'),
    maxSampleExecutions: z.number().int().min(1).default(10).describe('Bound of sampleExecutionIds. Example: 10'),
    dedupeOccurrences: z
      .number()
      .int()
      .min(0)
      .default(256)
      .describe('Latest occurrence ids remembered per open incident to drop duplicates. Example: 256'),
    severity: z
      .strictObject({
        medium: threshold(10, 2, 'MEDIUM'),
        high: threshold(50, 3, 'HIGH'),
        critical: threshold(500, 10, 'CRITICAL'),
      })
      .default({
        medium: { occurrences: 10, scenarios: 2 },
        high: { occurrences: 50, scenarios: 3 },
        critical: { occurrences: 500, scenarios: 10 },
      })
      .describe('Severity thresholds; below MEDIUM an incident is LOW.'),
  })
  .describe('Stage 2 of correlate: the incident lifecycle per fingerprint.');

/** Stage 1 configuration with defaults applied. */
export type CorrelateConfig = z.output<typeof correlateConfigSchema>;
/** Stage 2 configuration with defaults applied. */
export type IncidentsConfig = z.output<typeof incidentsConfigSchema>;
/** Stage 2 configuration as users write it. */
export type IncidentsConfigInput = z.input<typeof incidentsConfigSchema>;

/** Validates `processors.correlate`; throws a ConfigError naming every bad field. */
export function parseCorrelateConfig(input: unknown, prefix = 'processors.correlate'): CorrelateConfig {
  return parse(correlateConfigSchema, input, prefix, 'correlate');
}

/** Validates `processors.incidents`; throws a ConfigError naming every bad field. */
export function parseIncidentsConfig(input: unknown, prefix = 'processors.incidents'): IncidentsConfig {
  return parse(incidentsConfigSchema, input, prefix, 'incidents');
}

function parse<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  prefix: string,
  name: string,
): z.output<Schema> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`,
  );
  throw new ConfigError(`Invalid ${name} configuration:\n  ${problems.join('\n  ')}`, {
    component: `processors.${name}`,
  });
}
