/**
 * Configuration of the sink runtime: the part of a sink's config section that every sink shares
 * (batching, retries, health and lag intervals). The schema is the documentation (a description,
 * default and example per field); `parseSinkRuntimeConfig` validates before anything is built and
 * names the fields at fault.
 */
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';

const batch = z
  .object({
    maxRecords: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(500)
      .describe(
        'Most records per batch. Batches are also cut at offsets that are multiples of this number, so that the ' +
          'same offsets form the same batches (and dedup tokens) after a restart.',
      ),
    maxBytes: z
      .number()
      .int()
      .min(1)
      .default(4 * 1024 * 1024)
      .describe('Most value bytes per batch (a single larger record still makes a batch of its own).')
      .meta({ examples: [1048576] }),
    lingerMs: z
      .number()
      .int()
      .min(0)
      .default(1_000)
      .describe('Longest wait for a batch to fill before it is written anyway (ms). 0 writes what each poll brought.'),
  })
  .strict()
  .default({ maxRecords: 500, maxBytes: 4 * 1024 * 1024, lingerMs: 1_000 });

const retry = z
  .object({
    initialMs: z.number().int().min(0).default(200).describe('Upper bound of the first retry delay (ms).'),
    maxMs: z.number().int().min(1).default(30_000).describe('Longest retry delay (ms).'),
    multiplier: z.number().min(1).default(2).describe('Growth of the delay bound per attempt (full jitter).'),
    jitter: z
      .enum(['full', 'decorrelated', 'none'])
      .default('full')
      .describe('Randomisation of delays: full (default), decorrelated, or none (tests only).'),
    itemMaxAttempts: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe(
        'Tries of an item the store rejected with a retriable error before it goes to the DLQ. A thrown ' +
          '(whole-batch) retriable error is retried without limit: the partition stays paused until the store is back.',
      ),
  })
  .strict()
  .default({ initialMs: 200, maxMs: 30_000, multiplier: 2, jitter: 'full', itemMaxAttempts: 10 })
  .refine((value) => value.maxMs >= value.initialMs, { message: 'maxMs must be ≥ initialMs', path: ['maxMs'] });

/**
 * The `maxInFlightBatches` key with `defaultValue`. The runtime's default is 1 (batches of a
 * partition land in offset order, which a syslog or HTTP intake may care about); store sinks that
 * write idempotently (ClickHouse, PostgreSQL) override it with 2 in their sections, so the connector
 * encodes batch N+1 while the store takes batch N instead of leaving the store idle meanwhile
 * (measured: 1.3–1.6× the records/s of a store-like connector, pipeline/sink/README.md; chDB and
 * PostgreSQL from a pre-filled topic in bench/sinks/README.md).
 */
export function maxInFlightBatchesSchema(defaultValue: number) {
  return z
    .number()
    .int()
    .min(1)
    .max(16)
    .default(defaultValue)
    .describe(
      'Batches of one partition written at once: 2 lets the connector prepare the next batch while the store takes this one (commits stay in offset order; a batch may land before the one ahead of it, which idempotent stores absorb).',
    );
}

/**
 * `maxInFlightBatches` of the ClickHouse and PostgreSQL sections. The search sink keeps 1: its
 * batches already send `maxRequestsInFlight` requests at once, and two batches in flight measured
 * no better (idle machine: Elasticsearch 54 % / OpenSearch 54 % of raw `_bulk` against 55 % / 58 %
 * with one; bench/sinks/README.md).
 */
export const IDEMPOTENT_STORE_IN_FLIGHT_BATCHES = 2;

/** The shared part of every sink's config section. */
export const sinkRuntimeConfigSchema = z
  .object({
    batch,
    retry,
    maxQueuedBatches: z
      .number()
      .int()
      .min(1)
      .default(2)
      .describe('Cut batches waiting per partition before the partition is paused (bounds memory).'),
    maxInFlightBatches: maxInFlightBatchesSchema(1),
    healthIntervalMs: z.number().int().min(100).default(5_000).describe("How often the store's health is polled (ms)."),
    lagIntervalMs: z
      .number()
      .int()
      .min(100)
      .default(10_000)
      .describe('How often the consumer lag is read for the lag gauge (ms).'),
    drainTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe('On stop, how long batches still being retried may go on before they are abandoned (ms).'),
    prepareOnDecode: z
      .boolean()
      .default(false)
      .describe(
        "Use the connector's prepare hook: each record becomes its store form (row line, bulk entry bytes) when it is " +
          'decoded, so batches keep bytes instead of decoded objects (less GC pause time; no CPU gain measured, ' +
          'bench/sinks/README.md). Connectors without the hook ignore it.',
      ),
    onBatchFailure: z
      .enum(['fail', 'dead-letter'])
      .default('fail')
      .describe(
        'What a permanent error thrown for a whole batch (e.g. a missing table) does: fail stops the sink without ' +
          'committing (fix, restart, nothing lost); dead-letter sends every item of the batch to the DLQ.',
      ),
  })
  .strict();

/** Input of the shared sink config (defaults optional). */
export type SinkRuntimeConfigInput = z.input<typeof sinkRuntimeConfigSchema>;
/** The validated shared sink config. */
export type SinkRuntimeConfig = z.infer<typeof sinkRuntimeConfigSchema>;

/** Validates the shared part of a sink section; ConfigError lists every field at fault under `path`. */
export function parseSinkRuntimeConfig(input: unknown, path = 'sinks.<name>'): SinkRuntimeConfig {
  return parseSinkSection(sinkRuntimeConfigSchema, input, {
    prefix: path,
    label: 'sink',
    unknownFieldHint: 'see the shared keys in pipeline/sink/README.md',
  });
}

/**
 * Validates a whole sink section with its connector's schema; throws one ConfigError listing every
 * problem as `<prefix>.<field>: <problem>` (unknown fields named with `unknownFieldHint`), so a typo
 * in any sink's config reads the same and never surfaces as a raw schema error.
 */
export function parseSinkSection<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  options: { readonly prefix: string; readonly label: string; readonly unknownFieldHint: string },
): z.output<Schema> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    const path = [options.prefix, ...issue.path.map(String)].join('.');
    return issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => `${path}.${key}: unknown field (${options.unknownFieldHint})`)
      : [`${path}: ${issue.message}`];
  });
  throw new ConfigError(`Invalid ${options.label} configuration:\n  ${problems.join('\n  ')}`, {
    component: options.prefix,
  });
}
