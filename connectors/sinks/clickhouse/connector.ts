/**
 * The ClickHouse sink connector: on start it checks the server version and applies the DDL
 * migrations; `write` inserts one topic batch into its table (see `writer.ts` for idempotence and
 * per-row failures). The sink runtime (`pipeline/sink`) does the consuming, batching, retries,
 * dead letters and offset commits.
 */
import { readFileSync } from 'node:fs';
import { avroTopic } from '../../../pipeline/runtime/api.js';
import {
  allWritten,
  type SinkBatch,
  type SinkConnector,
  type SinkHealth,
  type SinkWriteResult,
} from '../../../pipeline/sink/api.js';
import { ConfigError, PipelineError } from '../../../pipeline/errors/index.js';
import { readSecret, type SecretEnvironment } from '../../../pipeline/config/secret.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import { currentDialect, type Dialect } from './column-types.js';
import { ttlDaysOf, type ClickHouseSinkConfig } from './config.js';
import { insertTarget, qualifiedName, type DdlContext } from './ddl.js';
import { createRowEncoder, type RowEncoder } from './encode.js';
import { toPipelineError } from './errors.js';
import { migrate, migrations, type Migration, type MigrationReport } from './migrations.js';
import { alignRetention, type RetentionChange } from './retention.js';
import { warehouseTables, type AnyTableSpec } from './tables/index.js';
import type { ClickHouseTransport } from './transport.js';
import { createChdbTransport } from './transport-chdb.js';
import { createHttpTransport } from './transport-http.js';
import { createTableWriter, type TableWriter } from './writer.js';

/** The oldest ClickHouse the connector runs on (see README.md, "Minimum ClickHouse version"). */
export const minimumServerVersion = '23.8';

/** What the connector needs besides its config (all optional; tests inject them). */
export interface ClickHouseSinkDependencies {
  /** A transport to use instead of the one the config describes. */
  readonly transport?: ClickHouseTransport;
  /**
   * The SQL dialect, skipping the version check: `legacyDialect` lets tests drive an old server's
   * HTTP path. Production leaves it unset and needs ClickHouse >= {@link minimumServerVersion}.
   */
  readonly dialect?: Dialect;
  /** Migrations to apply (default: all); tests of old servers restrict them. */
  readonly migrations?: readonly Migration[];
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Where the password secret is read from (default: process.env and the file system). */
  readonly environment?: SecretEnvironment;
}

/** The connector, plus what tools and tests need to reach the warehouse. */
export interface ClickHouseSink extends SinkConnector {
  /** The transport (open after `start`). */
  readonly transport: () => ClickHouseTransport;
  /** Table names as the SQL must write them, by table spec name. */
  readonly tableName: (table: string) => string;
  /** What the last `start` migrated. */
  readonly migrationReport: () => MigrationReport | undefined;
  /** The TTL changes the last `start` made (config changed since the tables were created). */
  readonly retentionChanges: () => readonly RetentionChange[];
}

/** Creates the sink from a parsed config. Nothing connects before `start`. */
export function createClickHouseSink(
  config: ClickHouseSinkConfig,
  dependencies: ClickHouseSinkDependencies = {},
): ClickHouseSink {
  const tables = warehouseTables.filter((table) => config.topics.includes(table.topic));
  const context = (dialect: Dialect): DdlContext => ({
    database: config.database,
    tablePrefix: config.tablePrefix,
    dialect,
    ttlDays: ttlDaysOf(config),
    deduplicationWindow: config.deduplicationWindow,
  });
  let transport = dependencies.transport;
  /** Per topic, once started: its row encoder (`prepare`) and its table's writer (`write`). */
  let byTopic: Map<string, { readonly encoder: RowEncoder; readonly writer: TableWriter }> | undefined;
  let report: MigrationReport | undefined;
  let retention: RetentionChange[] = [];

  const openTransport = (): ClickHouseTransport => {
    if (transport) return transport;
    if (config.url === undefined) {
      transport = createChdbTransport(config.embedded.path, { connections: config.embedded.connections });
    } else {
      const environment = dependencies.environment ?? {
        env: process.env,
        readFile: (path: string) => readFileSync(path, 'utf8'),
      };
      transport = createHttpTransport({
        url: config.url,
        username: config.username,
        password: config.password ? readSecret(config.password, `sinks.${config.name}.password`, environment) : '',
        requestTimeoutMs: config.requestTimeoutMs,
        maxOpenConnections: config.maxOpenConnections,
        compressRequests: config.compressRequests,
      });
    }
    return transport;
  };

  return {
    name: config.name,
    topics: tables.map((table) => avroTopic(table.topic, table.schema)),
    transport: () => openTransport(),
    tableName: (table) => qualifiedName(config, table),
    migrationReport: () => report,
    retentionChanges: () => retention,

    async start() {
      const open = openTransport();
      const dialect = dependencies.dialect ?? (await checkVersion(open));
      const ddl = context(dialect);
      try {
        report = await migrate(open, ddl, { list: dependencies.migrations ?? migrations, now: dependencies.now });
        retention = await alignRetention(open, ddl, tables, dependencies.logger);
      } catch (error) {
        throw toPipelineError(error, `migrating ${open.target}`);
      }
      byTopic = new Map(
        tables.map((table: AnyTableSpec) => {
          const encoder = createRowEncoder(table, dialect, config.insertFormat);
          const writer = createTableWriter({
            transport: open,
            table: insertTarget(ddl, table.name),
            encoder,
            insertDedupToken: dialect.insertDedupToken,
            logger: dependencies.logger,
          });
          return [table.topic, { encoder, writer }] as const;
        }),
      );
      dependencies.logger?.info(
        { target: open.target, database: config.database, migrations: report },
        'ClickHouse sink ready.',
      );
    },

    // The row's line at decode time (the runtime then keeps bytes, not the decoded record); `write`
    // takes these lines and decoded records alike.
    prepare(item) {
      const encoder = byTopic?.get(item.record.topic)?.encoder;
      if (!encoder) {
        throw new PipelineError(
          `ClickHouse sink "${config.name}": prepare before start, or no table for ${item.record.topic}.`,
          {
            component: 'sinks.clickhouse',
            stage: 'sending',
          },
        );
      }
      return encoder.prepare(item.value);
    },

    async write(batch: SinkBatch): Promise<SinkWriteResult> {
      if (!byTopic) throw new PipelineError('ClickHouse sink: write before start.', { component: 'sinks.clickhouse' });
      const writer = byTopic.get(batch.topic)?.writer;
      if (!writer) {
        throw new PipelineError(
          `ClickHouse sink "${config.name}" has no table for topic ${batch.topic}; add it to topics.`,
          {
            component: 'sinks.clickhouse',
            stage: 'sending',
          },
        );
      }
      if (batch.items.length === 0) return allWritten;
      const failures = await writer.write(
        batch.items.map((item) => item.value),
        batch.dedupToken,
      );
      return failures.length === 0 ? allWritten : { failures };
    },

    async health(): Promise<SinkHealth> {
      // Never opens a transport: a check still in flight when the sink closes must not reopen one
      // (chDB allows one data directory per process, and that session would never be closed).
      const open = transport;
      if (!open) return { healthy: false, detail: 'ClickHouse sink is not started or is closed' };
      try {
        await open.query('SELECT 1 AS ok');
        return { healthy: true, detail: `${open.target} answers` };
      } catch (error) {
        return { healthy: false, detail: `${open.target}: ${(error as Error).message.trim()}` };
      }
    },

    async close() {
      const open = transport;
      transport = undefined;
      byTopic = undefined;
      if (open && open !== dependencies.transport) await open.close();
    },
  };
}

/** The dialect of the server, or a ConfigError when it is older than {@link minimumServerVersion}. */
async function checkVersion(transport: ClickHouseTransport): Promise<Dialect> {
  let version: string;
  try {
    const [row] = await transport.query<{ version: string }>('SELECT version() AS version');
    version = String(row?.version ?? '0');
  } catch (error) {
    throw toPipelineError(error, `version check of ${transport.target}`);
  }
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor, minMinor] = minimumServerVersion.split('.').map(Number) as [number, number];
  if (major < minMajor || (major === minMajor && minor < minMinor)) {
    throw new ConfigError(
      `ClickHouse at ${transport.target} is version ${version}; the sink needs ${minimumServerVersion} or newer ` +
        '(DateTime64, LowCardinality, Map, TTL and insert_deduplication_token). Upgrade the server or point url elsewhere.',
      { component: 'sinks.clickhouse' },
    );
  }
  return currentDialect;
}
