/**
 * Versioned migrations of the sink's schema. Contract:
 * - applied versions are recorded in `<schema>.schema_migrations` (version, name, partitioning,
 *   applied_at); each runs once, in version order, in its own transaction (DDL is transactional in
 *   PostgreSQL, so a failed migration leaves nothing behind);
 * - the whole run holds a session advisory lock on the schema name, so two sink instances starting
 *   together do not race: the second waits, then finds nothing left to do;
 * - the partitioning mode is fixed by the first run (tables are partitioned one way for good); a
 *   later start with another mode is a configuration error, not a silent mix.
 */
import type pg from 'pg';
import { ConfigError } from '../../../pipeline/errors/index.js';
import {
  createTableStatements,
  partitioningStatements,
  qualified,
  quoteIdent,
  viewStatements,
  type DdlContext,
  type PartitionMode,
} from './ddl.js';
import type { ColumnSpec } from './table-spec.js';
import { incidentsV3Columns, logsV3Columns, metricsV4Columns, warehouseTables } from './tables.js';

/** `ALTER TABLE … ADD COLUMN IF NOT EXISTS` for nullable columns (partitions and chunks follow). */
export function addColumnStatements(schema: string, table: string, columns: readonly ColumnSpec[]): string[] {
  return columns.map(
    (column) =>
      `ALTER TABLE ${qualified(schema, table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(column.name)} ${column.type}`,
  );
}

/** One schema change. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  statements(context: DdlContext): string[];
}

/** Every migration, in version order. Append only: never edit one that has shipped. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'warehouse tables, indexes and latest-revision views',
    statements: (context) => [
      ...warehouseTables.flatMap((table) => createTableStatements(context, table)),
      ...viewStatements(context.schema),
    ],
  },
  {
    version: 2,
    name: 'partitioning: pg_partman parents or TimescaleDB hypertables',
    statements: (context) => warehouseTables.flatMap((table) => partitioningStatements(context, table)),
  },
  {
    version: 3,
    name: 'logs and incidents: error class, folder, apps, redactions, record count, root cause, affected scenarios',
    // Version 1 creates tables as `tables.ts` describes them now, these columns included; this
    // brings tables made before them to the same shape (IF NOT EXISTS: a no-op on new ones).
    statements: (context) => [
      ...addColumnStatements(context.schema, 'logs', logsV3Columns),
      ...addColumnStatements(context.schema, 'incidents', incidentsV3Columns),
      // `SELECT *` views are expanded when created: re-create them to show the new columns.
      ...viewStatements(context.schema),
    ],
  },
  {
    version: 4,
    name: "metrics: a polling scenario's real runs (count, operations, credits, duration sum and sketch)",
    statements: (context) => [
      ...addColumnStatements(context.schema, 'metrics', metricsV4Columns),
      ...viewStatements(context.schema),
    ],
  },
];

/** The advisory lock key text of a schema (hashed by `hashtext` on the server). */
export function migrationLockKey(schema: string): string {
  return `makestream.sink.postgres.migrations:${schema}`;
}

/** What a run did. */
export interface MigrationRun {
  /** Versions applied by this run (empty when the schema was up to date). */
  readonly applied: readonly number[];
  /** The partitioning mode the schema uses. */
  readonly mode: PartitionMode;
}

/**
 * The partitioning mode recorded by earlier runs, or undefined for a fresh schema. Read without the
 * lock: the runner checks again under it.
 */
export async function recordedMode(client: pg.ClientBase, schema: string): Promise<PartitionMode | undefined> {
  const { rows } = await client
    .query<{ partitioning: PartitionMode }>(
      `SELECT partitioning FROM ${qualified(schema, 'schema_migrations')} ORDER BY version LIMIT 1`,
    )
    .catch((error: { code?: string }) => {
      if (error.code === '42P01' || error.code === '3F000') return { rows: [] }; // no table / no schema yet
      throw error;
    });
  return rows[0]?.partitioning;
}

/**
 * Brings the schema up to date on `client` (a dedicated connection, not in a transaction). Throws
 * ConfigError when the schema was made with another partitioning mode or by a newer version.
 */
export async function migrate(
  client: pg.ClientBase,
  context: DdlContext,
  all: readonly Migration[] = migrations,
): Promise<MigrationRun> {
  const lockKey = migrationLockKey(context.schema);
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
  try {
    const table = qualified(context.schema, 'schema_migrations');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(context.schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
  version integer PRIMARY KEY,
  name text NOT NULL,
  partitioning text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`,
    );
    const { rows } = await client.query<{ version: number; partitioning: PartitionMode }>(
      `SELECT version, partitioning FROM ${table} ORDER BY version`,
    );
    const mode = rows[0]?.partitioning ?? context.mode;
    if (mode !== context.mode) {
      throw new ConfigError(
        `postgres sink: the tables in schema "${context.schema}" are partitioned with ${mode}, but this start resolved ` +
          `partitioning.mode to ${context.mode}. Set partitioning.mode: ${mode} (or use a new schema).`,
      );
    }
    const known = new Set(all.map((migration) => migration.version));
    const unknown = rows.filter((row) => !known.has(row.version));
    if (unknown.length > 0) {
      throw new ConfigError(
        `postgres sink: schema "${context.schema}" has migration ${unknown[0]!.version}, which this version does not ` +
          'know: it was migrated by a newer makestream. Upgrade this instance.',
      );
    }
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of [...all].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        for (const statement of migration.statements(context)) await client.query(statement);
        await client.query(`INSERT INTO ${table} (version, name, partitioning) VALUES ($1, $2, $3)`, [
          migration.version,
          migration.name,
          context.mode,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      applied.push(migration.version);
    }
    return { applied, mode };
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
  }
}
