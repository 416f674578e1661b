/**
 * Configuration of the ClickHouse sink (`sinks.clickhouse`): the sink runtime's shared keys
 * (`pipeline/sink/config.ts`: batch, retry, …; batch with ClickHouse defaults) plus the
 * connector's. A strict zod schema that is also its documentation (one `.describe()` per field;
 * README.md lists them); unknown fields are rejected. With no `url` the sink writes to chDB,
 * ClickHouse's engine embedded in the process, at `embedded.path`. The parsed section is what
 * `startSink` takes (with the log and serde).
 */
import { z } from 'zod';
import { secretSourceSchema } from '../../../pipeline/config/secret.js';
import {
  IDEMPOTENT_STORE_IN_FLIGHT_BATCHES,
  maxInFlightBatchesSchema,
  parseSinkSection,
  sinkRuntimeConfigSchema,
} from '../../../pipeline/sink/config.js';
import { warehouseTables } from './tables/index.js';

const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'letters, digits and "_", not starting with a digit' });

const sinkTopics = warehouseTables.map((table) => table.topic) as [string, ...string[]];
const tableNames = warehouseTables.map((table) => table.name) as [string, ...string[]];

/** The ClickHouse sink's config section. */
export const clickHouseSinkConfigSchema = sinkRuntimeConfigSchema.extend({
  // Idempotent writes (event id as key): the next batch is encoded while the store takes this one.
  maxInFlightBatches: maxInFlightBatchesSchema(IDEMPOTENT_STORE_IN_FLIGHT_BATCHES),
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .default('clickhouse')
    .describe('Sink name: consumer group makestream.sink.<name>, DLQ makestream.dlq.<name>.'),
  url: z
    .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
    .optional()
    .describe(
      'ClickHouse HTTP(S) endpoint, e.g. https://abc.eu-west-1.aws.clickhouse.cloud:8443. Absent: embedded chDB.',
    ),
  username: z.string().min(1).default('default').describe('ClickHouse user (HTTP only).'),
  password: secretSourceSchema
    .optional()
    .describe('Password of that user, from an environment variable or a file (HTTP only).'),
  embedded: z
    .strictObject({
      path: z.string().min(1).default('.makestream/chdb').describe('Data directory of the embedded chDB warehouse.'),
      connections: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(4)
        .describe(
          'chDB connections that insert at once: a connection runs one statement at a time, so concurrent batches (partitions, batches in flight) need several to insert in parallel.',
        ),
    })
    .prefault({})
    .describe('Embedded chDB, used when no url is set.'),
  database: identifier.default('makestream').describe('Database of the tables (created if missing).'),
  tablePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_]*$/)
    .default('')
    .describe('Prepended to every table name, e.g. "ms_" for ms_executions.'),
  topics: z
    .array(z.enum(sinkTopics))
    .min(1)
    .default(sinkTopics)
    .describe('Topics to write (each into its table); default: all six.'),
  ttlDays: z
    .number()
    .int()
    .min(0)
    .default(90)
    .describe(
      'Retention of rows by event time, in days (table TTL; a change is applied at start); 0 keeps rows forever.',
    ),
  ttlDaysByTable: z
    .partialRecord(z.enum(tableNames), z.number().int().min(0))
    .default({})
    .describe('Retention per table name, overriding ttlDays, e.g. { logs: 14, audit_events: 400 }.'),
  deduplicationWindow: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('Insert blocks remembered per table for insert_deduplication_token (table setting, set at creation).'),
  insertFormat: z
    .enum(['JSONEachRow', 'JSONCompactEachRow'])
    .default('JSONCompactEachRow')
    .describe('Body format of inserts; JSONCompactEachRow is the faster (see bench/sinks/clickhouse.ts).'),
  requestTimeoutMs: z.number().int().min(100).default(30_000).describe('Timeout of one HTTP request (ms).'),
  maxOpenConnections: z.number().int().min(1).default(10).describe('Most HTTP sockets open at once.'),
  compressRequests: z.boolean().default(true).describe('gzip HTTP insert bodies.'),
  batch: z
    .strictObject({
      maxRecords: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(10_000)
        .describe('Most records per insert (and the offset grid batches are cut on, see pipeline/sink).'),
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .default(16 * 1024 * 1024)
        .describe('Most value bytes per insert.'),
      lingerMs: z.number().int().min(0).default(500).describe('Longest wait for a batch to fill (ms).'),
    })
    .prefault({})
    .describe(
      'Batching of the sink runtime, with ClickHouse defaults: few large inserts (each insert makes a part per partition; many small ones end in "too many parts").',
    ),
});

/** The config as written. */
export type ClickHouseSinkConfigInput = z.input<typeof clickHouseSinkConfigSchema>;
/** The config with defaults applied. */
export type ClickHouseSinkConfig = z.output<typeof clickHouseSinkConfigSchema>;

/** Validates `input`; throws one ConfigError listing every problem as `<prefix>.<field>: <problem>`. */
export function parseClickHouseSinkConfig(input: unknown, prefix = 'sinks.clickhouse'): ClickHouseSinkConfig {
  return parseSinkSection(clickHouseSinkConfigSchema, input, {
    prefix,
    label: 'ClickHouse sink',
    unknownFieldHint: 'check its spelling against README.md',
  });
}

/** Retention per table name: `ttlDaysByTable` over `ttlDays`. */
export function ttlDaysOf(config: ClickHouseSinkConfig): Record<string, number> {
  const byTable: Record<string, number> = {};
  for (const table of warehouseTables) byTable[table.name] = config.ttlDaysByTable[table.name] ?? config.ttlDays;
  return byTable;
}

/**
 * Where the rows go, in one line for the CLI's start-up message, e.g. `chDB at .makestream/chdb,
 * database makestream (tables executions, logs, …)`. Never includes credentials.
 */
export function describeWarehouse(config: ClickHouseSinkConfig): string {
  const tables = warehouseTables
    .filter((table) => config.topics.includes(table.topic))
    .map((table) => config.tablePrefix + table.name)
    .join(', ');
  if (config.url === undefined) {
    return `chDB at ${config.embedded.path}, database ${config.database} (tables ${tables}); query it with npm chdb (new Session('${config.embedded.path}')) or clickhouse local --path ${config.embedded.path}`;
  }
  const url = new URL(config.url);
  url.username = '';
  url.password = '';
  return `ClickHouse at ${url.origin}, database ${config.database} (tables ${tables})`;
}
