/**
 * The PostgreSQL / TimescaleDB sink connector (SinkConnector, `pipeline/sink/api.ts`).
 *
 * start(): resolves the partitioning mode against the database (TimescaleDB, pg_partman or plain),
 * runs the migrations under an advisory lock, applies the retention/compression policies, and
 * (pg_partman) runs maintenance now and every `maintenanceIntervalMs`.
 * write(batch): encodes the batch's items for the topic's table (bad items reported alone), makes
 * sure their partitions exist, then COPY → staging → INSERT … ON CONFLICT DO NOTHING in one
 * transaction (`writer.ts`). Retriable failures throw a RetriableError for the runtime to retry.
 */
import type pg from 'pg';
import { ConfigError, PipelineError } from '../../../pipeline/errors/index.js';
import type { SecretEnvironment } from '../../../pipeline/config/secret.js';
import { avroTopic } from '../../../pipeline/runtime/api.js';
import type { SinkBatch, SinkConnector, SinkHealth, SinkItem, SinkWriteResult } from '../../../pipeline/sink/api.js';
import { silentLogger, type Logger } from '../../../pipeline/telemetry/logger.js';
import { createPool } from './client.js';
import { retentionOf, type PostgresSinkConfig } from './config.js';
import { partmanPolicyStatements, timescalePolicyStatements, type DdlContext, type PartitionMode } from './ddl.js';
import { classifyPostgresError } from './errors.js';
import { migrate, recordedMode } from './migrations.js';
import { createPartitionManager, type PartitionManager } from './partitions.js';
import { encodeLazily, prepareRow, RowEncoder, rowTime, type PreparedRow } from './rows.js';
import { isWritableTime } from './copy-text.js';
import { warehouseTables } from './tables.js';
import { createTableWriter, type TableWriter } from './writer.js';

/** What the sink needs from outside. */
export interface PostgresSinkDependencies {
  readonly logger?: Logger;
  /** Where secrets are read (default: the process environment and files). */
  readonly secrets?: SecretEnvironment;
  /** Timers, injectable for tests (default: global setInterval/clearInterval). */
  readonly setInterval?: (callback: () => void, ms: number) => { unref?(): void };
  readonly clearInterval?: (handle: unknown) => void;
}

/** The extensions that decide the mode, with the schema they live in. */
interface Extensions {
  readonly timescaledb?: string;
  readonly pg_partman?: string;
}

async function installedExtensions(client: pg.ClientBase): Promise<Extensions> {
  const { rows } = await client.query<{ extname: 'timescaledb' | 'pg_partman'; schema: string }>(
    `SELECT e.extname, n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname IN ('timescaledb', 'pg_partman')`,
  );
  return Object.fromEntries(rows.map((row) => [row.extname, row.schema])) as Extensions;
}

/** The mode to use: the recorded one for an existing schema, else from config and extensions. */
export function resolveMode(
  wanted: PostgresSinkConfig['partitioning']['mode'],
  extensions: Extensions,
  recorded: PartitionMode | undefined,
): PartitionMode {
  if (wanted === 'timescaledb' && !extensions.timescaledb) {
    throw new ConfigError(
      'postgres sink: partitioning.mode is timescaledb but the timescaledb extension is not installed in the database; run CREATE EXTENSION timescaledb (as a superuser) or set partitioning.mode: auto.',
    );
  }
  if (wanted === 'pg_partman' && !extensions.pg_partman) {
    throw new ConfigError(
      'postgres sink: partitioning.mode is pg_partman but the extension is not installed; run CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman (as a superuser), or set partitioning.mode: auto.',
    );
  }
  if (wanted !== 'auto') return wanted;
  if (recorded) return recorded;
  if (extensions.timescaledb) return 'timescaledb';
  if (extensions.pg_partman) return 'pg_partman';
  return 'none';
}

/** Creates the sink (nothing connects before `start`). */
export function createPostgresSink(
  config: PostgresSinkConfig,
  dependencies: PostgresSinkDependencies = {},
): SinkConnector {
  const logger = (dependencies.logger ?? silentLogger).child({ component: `sink.${config.name}` });
  const tables = warehouseTables.filter((table) => config.tables.includes(table.name));
  const byTopic = new Map(tables.map((table) => [table.topic, table]));
  /** Where rows are encoded, at `prepare` or at `write`: shared chunks, see rows.ts. */
  const encoder = new RowEncoder();
  const every = dependencies.setInterval ?? ((callback, ms) => setInterval(callback, ms));
  const stopTimer = dependencies.clearInterval ?? ((handle) => clearInterval(handle as NodeJS.Timeout));
  let pool: pg.Pool | undefined;
  let writer: TableWriter | undefined;
  let partitions: PartitionManager | undefined;
  let context: DdlContext | undefined;
  let maintenanceTimer: unknown;
  let maintaining: Promise<void> | undefined;

  const maintain = async (): Promise<void> => {
    if (!pool || !partitions) return;
    const client = await pool.connect();
    try {
      await partitions.maintain(
        client,
        tables.map((table) => table.name),
      );
    } finally {
      client.release();
    }
  };

  async function start(): Promise<void> {
    pool ??= createPool(
      config,
      (error) => logger.warn({ err: error }, 'Idle PostgreSQL connection failed.'),
      dependencies.secrets,
    );
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw classifyPostgresError(error, 'Connecting to PostgreSQL').error;
    }
    try {
      const extensions = await installedExtensions(client);
      const mode = resolveMode(config.partitioning.mode, extensions, await recordedMode(client, config.schema));
      context = {
        schema: config.schema,
        mode,
        interval: config.partitioning.interval,
        premake: config.partitioning.premake,
        partmanSchema: extensions.pg_partman ?? 'partman',
      };
      const run = await migrate(client, context);
      const policies = {
        retention: (table: string) => retentionOf(config.partitioning, table),
        compressAfter: config.partitioning.compressAfter,
      };
      const statements =
        mode === 'pg_partman'
          ? partmanPolicyStatements(context, policies)
          : mode === 'timescaledb'
            ? timescalePolicyStatements(context, policies)
            : [];
      for (const statement of statements) await client.query(statement);
      logger.info({ schema: config.schema, mode, applied: run.applied }, 'PostgreSQL sink schema ready.');
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      throw classifyPostgresError(error, `Preparing schema "${config.schema}"`).error;
    } finally {
      client.release();
    }
    writer = createTableWriter(pool, config.schema, { directFirst: config.writeMode === 'direct-first' });
    if (context.mode === 'pg_partman') {
      partitions = createPartitionManager({
        schema: config.schema,
        partmanSchema: context.partmanSchema,
        interval: config.partitioning.interval,
        logger,
      });
      if (config.partitioning.maintenanceIntervalMs > 0) {
        await maintain().catch((error: unknown) => logger.warn({ err: error }, 'pg_partman maintenance failed.'));
        const timer = every(() => {
          maintaining ??= maintain()
            .catch((error: unknown) => logger.warn({ err: error }, 'pg_partman maintenance failed.'))
            .finally(() => (maintaining = undefined));
        }, config.partitioning.maintenanceIntervalMs);
        timer.unref?.();
        maintenanceTimer = timer;
      }
    }
  }

  async function write(batch: SinkBatch): Promise<SinkWriteResult> {
    if (!pool || !writer || !context)
      throw new PipelineError('postgres sink: write() before start().', { component: 'sink.postgres' });
    const table = byTopic.get(batch.topic);
    if (!table) {
      throw new PipelineError(
        `postgres sink "${config.name}" has no table for topic ${batch.topic} (tables: ${config.tables.join(', ')}).`,
        { stage: 'sending', component: 'sink.postgres' },
      );
    }
    if (partitions) {
      const times = batch.items
        .map((item) => rowTime(table, item.value))
        .filter((time): time is number => isWritableTime(time));
      try {
        await partitions.ensure(pool, table.name, times);
      } catch (error) {
        throw classifyPostgresError(error, `Creating partitions of ${config.schema}.${table.name}`).error;
      }
    }
    // Encoded while the COPY streams; items the encoder refuses are left out and reported.
    const encoded = encodeLazily(table, batch.items, encoder);
    const outcome = await writer.write(table, encoded.rows);
    if (outcome.refused.length > 0) {
      logger.warn(
        { topic: batch.topic, refused: outcome.refused.length, dedupToken: batch.dedupToken },
        'PostgreSQL refused items.',
      );
    }
    return { failures: [...encoded.failures, ...outcome.refused].sort((a, b) => a.index - b.index) };
  }

  /** The item's COPY line at decode time (the runtime's `prepare` hook); `write` takes both forms. */
  function prepare(item: SinkItem): PreparedRow {
    const table = byTopic.get(item.record.topic);
    if (!table) {
      throw new PipelineError(
        `postgres sink "${config.name}" has no table for topic ${item.record.topic} (tables: ${config.tables.join(', ')}).`,
        { stage: 'sending', component: 'sink.postgres' },
      );
    }
    return prepareRow(table, item, encoder);
  }

  async function health(): Promise<SinkHealth> {
    if (!pool || !context) return { healthy: false, detail: 'not started' };
    try {
      const { rows } = await pool.query<{ version: number | null }>(
        `SELECT max(version) AS version FROM "${config.schema}".schema_migrations`,
      );
      return { healthy: true, detail: `schema ${config.schema} v${rows[0]?.version ?? 0}, ${context.mode}` };
    } catch (error) {
      return { healthy: false, detail: (error as Error).message };
    }
  }

  async function close(): Promise<void> {
    if (maintenanceTimer !== undefined) stopTimer(maintenanceTimer);
    maintenanceTimer = undefined;
    await maintaining;
    const closing = pool;
    pool = undefined;
    writer = undefined;
    await closing?.end();
  }

  return {
    name: config.name,
    topics: tables.map((table) => avroTopic(table.topic, table.valueSchema)),
    start,
    prepare,
    write,
    health,
    close,
  };
}
