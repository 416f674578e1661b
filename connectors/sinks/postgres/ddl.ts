/**
 * The SQL of the sink's tables, generated from the table descriptions (`tables.ts`): CREATE TABLE
 * (range-partitioned on `time` for pg_partman, plain for TimescaleDB and `none`), indexes, the
 * "latest revision" views, and the partitioning statements of each mode. Pure functions: the unit
 * tests check the generated SQL, in particular for the TimescaleDB path, which cannot run here
 * (TimescaleDB is not installable on these machines).
 */
import type { TableSpec } from './table-spec.js';
import { warehouseTables } from './tables.js';

/** How the tables are partitioned, once resolved against the database. */
export type PartitionMode = 'timescaledb' | 'pg_partman' | 'none';

/** Partition length. */
export type PartitionInterval = 'daily' | 'weekly' | 'monthly';

/** What the DDL depends on. */
export interface DdlContext {
  readonly schema: string;
  readonly mode: PartitionMode;
  readonly interval: PartitionInterval;
  /** pg_partman: partitions made ahead and behind. */
  readonly premake: number;
  /** Schema where pg_partman is installed (`partman` in the local stack). */
  readonly partmanSchema: string;
}

/** A double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted SQL literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** `"schema"."table"`. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** `schema.table` as pg_partman and TimescaleDB functions take it (unquoted; our names need no quotes). */
export function parentName(schema: string, table: string): string {
  return `${schema}.${table}`;
}

const INTERVAL_SQL: Readonly<Record<PartitionInterval, string>> = {
  daily: '1 day',
  weekly: '1 week',
  monthly: '1 month',
};

/** The interval as PostgreSQL interval text. */
export function intervalSql(interval: PartitionInterval): string {
  return INTERVAL_SQL[interval];
}

/** CREATE TABLE and its indexes for one table. */
export function createTableStatements(context: DdlContext, table: TableSpec): string[] {
  const name = qualified(context.schema, table.name);
  const columns = table.columns.map(
    (column) => `  ${quoteIdent(column.name)} ${column.type}${column.nullable ? '' : ' NOT NULL'}`,
  );
  const partitioned = context.mode === 'pg_partman' ? ' PARTITION BY RANGE ("time")' : '';
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${name} (\n${columns.join(',\n')},\n  PRIMARY KEY ("time", "event_id")\n)${partitioned}`,
    `COMMENT ON TABLE ${name} IS ${quoteLiteral(table.description)}`,
  ];
  for (const index of table.indexes) {
    const using = index.using === 'gin' ? ' USING gin' : '';
    const where = index.where ? ` WHERE ${index.where}` : '';
    statements.push(
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${table.name}_${index.suffix}`)} ON ${name}${using} (${index.columns})${where}`,
    );
  }
  return statements;
}

/** Views that keep the latest revision of windows and incidents (analysts' usual entry points). */
export function viewStatements(schema: string): string[] {
  return [
    `CREATE OR REPLACE VIEW ${qualified(schema, 'metrics_latest')} AS
SELECT DISTINCT ON (zone, scope, scope_id, window_size_ms, "time") *
  FROM ${qualified(schema, 'metrics')}
 ORDER BY zone, scope, scope_id, window_size_ms, "time", revision DESC`,
    `COMMENT ON VIEW ${qualified(schema, 'metrics_latest')} IS 'The highest revision of every metric window.'`,
    `CREATE OR REPLACE VIEW ${qualified(schema, 'incidents_latest')} AS
SELECT DISTINCT ON (fingerprint) *
  FROM ${qualified(schema, 'incidents')}
 ORDER BY fingerprint, revision DESC`,
    `COMMENT ON VIEW ${qualified(schema, 'incidents_latest')} IS 'The latest transition of every incident.'`,
  ];
}

/**
 * pg_partman 4.x: hand a range-partitioned parent to pg_partman (native partitioning, a default
 * partition for rows outside every child, `premake` children around now). Skipped when the parent
 * is already registered. See https://github.com/pgpartman/pg_partman/blob/v4.7.4/doc/pg_partman.md.
 */
export function partmanStatements(context: DdlContext, table: TableSpec): string[] {
  const parent = parentName(context.schema, table.name);
  const partman = quoteIdent(context.partmanSchema);
  return [
    `SELECT ${partman}.create_parent(p_parent_table => ${quoteLiteral(parent)}, p_control => 'time', ` +
      `p_type => 'native', p_interval => ${quoteLiteral(context.interval)}, p_premake => ${context.premake}, ` +
      `p_jobmon => false)
 WHERE NOT EXISTS (SELECT 1 FROM ${partman}.part_config WHERE parent_table = ${quoteLiteral(parent)})`,
  ];
}

/**
 * TimescaleDB (NOT VERIFIABLE HERE: TimescaleDB cannot be installed on these machines; only the
 * generated text is unit-tested). A hypertable on `time` with chunks of the partition interval,
 * and native compression segmented by the table's main filter column. The 2.x `create_hypertable`
 * signature with named arguments works from 2.0 (deprecated, still present, in 2.13+). Unique
 * checks against compressed chunks (ON CONFLICT DO NOTHING on old data) need TimescaleDB ≥ 2.11.
 */
export function timescaleStatements(context: DdlContext, table: TableSpec): string[] {
  const parent = quoteLiteral(parentName(context.schema, table.name));
  return [
    `SELECT create_hypertable(${parent}, 'time', chunk_time_interval => INTERVAL ${quoteLiteral(intervalSql(context.interval))}, if_not_exists => TRUE)`,
    `ALTER TABLE ${qualified(context.schema, table.name)} SET (timescaledb.compress, ` +
      `timescaledb.compress_segmentby = ${quoteLiteral(table.segmentBy)}, timescaledb.compress_orderby = '"time" DESC, event_id')`,
  ];
}

/** The partitioning statements of one table in the context's mode. */
export function partitioningStatements(context: DdlContext, table: TableSpec): string[] {
  if (context.mode === 'pg_partman') return partmanStatements(context, table);
  if (context.mode === 'timescaledb') return timescaleStatements(context, table);
  return [];
}

/** Retention (and compression) as they should be now; run at every start (idempotent). */
export interface Policies {
  /** Per table: retention interval or null (keep everything). */
  readonly retention: (table: string) => string | null;
  /** TimescaleDB: compress chunks older than this; null: no compression policy. */
  readonly compressAfter: string | null;
}

/**
 * pg_partman: retention drops whole child tables older than the interval at maintenance;
 * `infinite_time_partitions` keeps premaking children even when no new rows arrive.
 */
export function partmanPolicyStatements(context: DdlContext, policies: Policies): string[] {
  const partman = quoteIdent(context.partmanSchema);
  return warehouseTables.map((table) => {
    const retention = policies.retention(table.name);
    return (
      `UPDATE ${partman}.part_config SET retention = ${retention === null ? 'NULL' : quoteLiteral(retention)}, ` +
      `retention_keep_table = false, retention_keep_index = false, infinite_time_partitions = true, ` +
      `premake = ${context.premake} WHERE parent_table = ${quoteLiteral(parentName(context.schema, table.name))}`
    );
  });
}

/** TimescaleDB (NOT VERIFIABLE HERE): replace the retention and compression policies of each table. */
export function timescalePolicyStatements(context: DdlContext, policies: Policies): string[] {
  const statements: string[] = [];
  for (const table of warehouseTables) {
    const parent = quoteLiteral(parentName(context.schema, table.name));
    const retention = policies.retention(table.name);
    statements.push(`SELECT remove_retention_policy(${parent}, if_exists => TRUE)`);
    if (retention !== null)
      statements.push(`SELECT add_retention_policy(${parent}, INTERVAL ${quoteLiteral(retention)})`);
    statements.push(`SELECT remove_compression_policy(${parent}, if_exists => TRUE)`);
    if (policies.compressAfter !== null) {
      statements.push(`SELECT add_compression_policy(${parent}, INTERVAL ${quoteLiteral(policies.compressAfter)})`);
    }
  }
  return statements;
}
