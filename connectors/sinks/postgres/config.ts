/**
 * Configuration of the PostgreSQL / TimescaleDB sink (`sinks.postgres`): the sink runtime's shared
 * keys (`pipeline/sink/config.ts`: batch, retry, …; batch with PostgreSQL defaults) plus the
 * connector's. A strict zod schema that is also its documentation (one `.describe()` per field).
 * Unknown fields are rejected. The password (or a whole connection string, which carries one) is
 * never written inline: it names an environment variable or a file, read at start. The parsed
 * section is what `startSink` takes (with the log and serde).
 */
import { z } from 'zod';
import { secretSourceSchema } from '../../../pipeline/config/secret.js';
import {
  IDEMPOTENT_STORE_IN_FLIGHT_BATCHES,
  maxInFlightBatchesSchema,
  parseSinkSection,
  sinkRuntimeConfigSchema,
} from '../../../pipeline/sink/config.js';
import { warehouseTables } from './tables.js';

const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'a lowercase SQL identifier: letters, digits and "_", at most 63' });

/** A PostgreSQL interval as pg_partman and TimescaleDB accept it, e.g. `30 days`, `12 months`. */
const interval = z.string().regex(/^[1-9][0-9]{0,5} (hour|day|week|month|year)s?$/, {
  error: 'an interval such as "30 days", "12 weeks" or "1 year"',
});

const tableNames = warehouseTables.map((table) => table.name) as [string, ...string[]];

const connectionSchema = z
  .strictObject({
    url: secretSourceSchema
      .optional()
      .describe(
        'A libpq connection string (postgres://user:password@host:port/database?sslmode=…) read from an environment variable or a file. When given, host, port, database, user and password are ignored.',
      ),
    host: z.string().min(1).default('127.0.0.1').describe('Server host name or address.'),
    port: z.number().int().min(1).max(65_535).default(5432).describe('Server port.'),
    database: z.string().min(1).default('makestream').describe('Database name.'),
    user: z.string().min(1).default('makestream').describe('Role to connect as (owner of `schema`).'),
    password: secretSourceSchema.optional().describe('Password of `user`, from an environment variable or a file.'),
    ssl: z
      .strictObject({
        ca: secretSourceSchema.optional().describe('PEM bundle of the CA that signed the server certificate.'),
        rejectUnauthorized: z
          .boolean()
          .default(true)
          .describe('Refuse servers whose certificate does not verify (turn off only for tests).'),
      })
      .optional()
      .describe('TLS to the server; absent: plain TCP.'),
    applicationName: z
      .string()
      .default('makestream-sink')
      .describe('`application_name` of the connections (shown in pg_stat_activity).'),
  })
  .describe('Where the database is and how to log in.');

const partitioningSchema = z
  .strictObject({
    mode: z
      .enum(['auto', 'timescaledb', 'pg_partman', 'none'])
      .default('auto')
      .describe(
        'auto: TimescaleDB hypertables when the timescaledb extension is installed in the database, else native range partitions managed by pg_partman when pg_partman is installed, else plain tables. The other values force one way (and fail at start when its extension is missing).',
      ),
    interval: z
      .enum(['daily', 'weekly', 'monthly'])
      .default('daily')
      .describe('Partition (pg_partman) or chunk (TimescaleDB) length; UTC boundaries.'),
    premake: z
      .number()
      .int()
      .min(1)
      .max(365)
      .default(4)
      .describe('pg_partman: partitions kept ready ahead of (and created behind) the current time.'),
    retention: interval
      .nullable()
      .default('90 days')
      .describe('Drop partitions (chunks) older than this; null keeps everything.'),
    retentionByTable: z
      .partialRecord(z.enum(tableNames), interval.nullable())
      .default({})
      .describe('Per-table retention overriding `retention`, e.g. { audit_events: "1 year" }.'),
    compressAfter: interval
      .nullable()
      .default('7 days')
      .describe('TimescaleDB only: compress chunks older than this; null turns compression off.'),
    maintenanceIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(3_600_000)
      .describe(
        'pg_partman: how often the sink runs partman.run_maintenance for its tables (premake, retention); 0 leaves it to pg_cron or pg_partman’s background worker.',
      ),
  })
  .prefault({})
  .describe('How the tables are partitioned and how long data is kept.');

/** The PostgreSQL sink's config section. */
export const postgresSinkConfigSchema = sinkRuntimeConfigSchema.extend({
  // Idempotent writes (event id as key): the next batch is encoded while the store takes this one.
  maxInFlightBatches: maxInFlightBatchesSchema(IDEMPOTENT_STORE_IN_FLIGHT_BATCHES),
  // COPY lines made at decode time (a view of each row's bytes kept, not the decoded event): 15.7-18.3
  // against 19.1-20.8 µs CPU per row from a topic (bench/sinks/postgres.ts --prepare on|off, 2026-11-28).
  prepareOnDecode: z
    .boolean()
    .default(true)
    .describe("Encode each row's COPY line when it is decoded (the connector's prepare hook); false: at write."),
  batch: z
    .strictObject({
      maxRecords: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(5_000)
        .describe('Most records per COPY (and the offset grid batches are cut on, see pipeline/sink).'),
      maxBytes: z
        .number()
        .int()
        .min(1)
        .default(16 * 1024 * 1024)
        .describe('Most value bytes per COPY.'),
      lingerMs: z.number().int().min(0).default(1_000).describe('Longest wait for a batch to fill (ms).'),
    })
    .prefault({})
    .describe('Batching of the sink runtime, with PostgreSQL defaults: COPY pays off from thousands of rows.'),
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .default('postgres')
    .describe('Sink name: consumer group makestream.sink.<name>, DLQ makestream.dlq.<name>.'),
  connection: connectionSchema.prefault({}),
  schema: identifier
    .default('makestream')
    .describe('Schema that holds the tables (created when missing); analysts set search_path to it.'),
  tables: z
    .array(z.enum(tableNames))
    .min(1)
    .default(tableNames)
    .describe(`Tables to fill (each from its topic): ${tableNames.join(', ')}.`),
  partitioning: partitioningSchema,
  writeMode: z
    .enum(['direct-first', 'staging'])
    .default('direct-first')
    .describe(
      'direct-first: COPY each batch straight into its table (as fast as psql \\copy); a batch with a row already stored (a re-send) rolls back and goes through a staging table with INSERT … ON CONFLICT DO NOTHING, as do the next 16 batches of that table. staging: always staging + ON CONFLICT (half the throughput, no failed attempts).',
    ),
  pool: z
    .strictObject({
      max: z.number().int().min(1).max(64).default(4).describe('Most connections (batches written in parallel).'),
      connectTimeoutMs: z.number().int().min(100).default(10_000).describe('Connect timeout (ms).'),
      statementTimeoutMs: z
        .number()
        .int()
        .min(100)
        .default(120_000)
        .describe('Server-side statement_timeout (ms); a batch that takes longer is retried.'),
    })
    .prefault({})
    .describe('Connection pool.'),
});

/** The parsed config. */
export type PostgresSinkConfig = z.infer<typeof postgresSinkConfigSchema>;

/** Validates `input`; throws one ConfigError listing every problem as `<prefix>.<field>: <problem>`. */
export function parsePostgresSinkConfig(input: unknown, prefix = 'sinks.postgres'): PostgresSinkConfig {
  return parseSinkSection(postgresSinkConfigSchema, input, {
    prefix,
    label: 'PostgreSQL sink',
    unknownFieldHint: 'see connectors/sinks/postgres/README.md',
  });
}

/** The retention of `table` (`null`: keep everything). */
export function retentionOf(config: PostgresSinkConfig['partitioning'], table: string): string | null {
  const override = (config.retentionByTable as Readonly<Record<string, string | null | undefined>>)[table];
  return override === undefined ? config.retention : override;
}
