/**
 * Versioned DDL migrations. `schema_migrations` records each applied version; `migrate` applies
 * the missing ones in version order, each once. Statements are idempotent (`IF NOT EXISTS`), so
 * two sink instances starting together at worst both run a migration, with the same effect.
 *
 * A new column: one `column(...)` line in its table spec with `since: N`, then
 * `addColumns(<table>, N)` appended here. Never edit an applied migration.
 */
import { ConfigError } from '../../../pipeline/errors/index.js';
import { toPipelineError } from './errors.js';
import {
  addColumnsStatements,
  createTableStatement,
  insertTarget,
  qualifiedName,
  quoteIdentifier,
  type DdlContext,
} from './ddl.js';
import { renderType } from './column-types.js';
import {
  anomaliesTable,
  auditEventsTable,
  executionsTable,
  incidentsTable,
  logsTable,
  metricsTable,
  type AnyTableSpec,
} from './tables/index.js';
import type { ClickHouseTransport } from './transport.js';

/** One migration. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** The table it concerns. */
  readonly table: string;
  statements(context: DdlContext): readonly string[];
}

/** A migration that creates a table with its columns as of `table.createdIn`. */
export function createTable(table: AnyTableSpec): Migration {
  return {
    version: table.createdIn,
    name: `create ${table.name}`,
    table: table.name,
    statements: (context) => [createTableStatement(table, context)],
  };
}

/** A migration that adds the columns of `table` marked `since: version`. */
export function addColumns(table: AnyTableSpec, version: number): Migration {
  const names = table.columns.filter((column) => column.since === version).map((column) => column.name);
  return {
    version,
    name: `add ${names.join(', ')} to ${table.name}`,
    table: table.name,
    statements: (context) => addColumnsStatements(table, version, context),
  };
}

/** Every migration, in version order. */
export const migrations: readonly Migration[] = [
  createTable(executionsTable),
  createTable(logsTable),
  createTable(metricsTable),
  createTable(incidentsTable),
  createTable(anomaliesTable),
  createTable(auditEventsTable),
  addColumns(metricsTable, 7),
];

/** The name of the migrations table (with the prefix). */
export const migrationsTableName = 'schema_migrations';

/** What `migrate` did. */
export interface MigrationReport {
  readonly applied: readonly number[];
  readonly alreadyApplied: readonly number[];
}

/**
 * Creates the database and the migrations table if needed, then applies the missing migrations of
 * `list` in order. Throws a ConfigError when the database holds a migration this version does not
 * know (written by a newer makestream) or under another name (an edited migration).
 */
export async function migrate(
  transport: ClickHouseTransport,
  context: DdlContext,
  options: { readonly list?: readonly Migration[]; readonly now?: () => number } = {},
): Promise<MigrationReport> {
  const list = [...(options.list ?? migrations)].sort((a, b) => a.version - b.version);
  const now = options.now ?? Date.now;
  const table = qualifiedName(context, migrationsTableName);
  await transport.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(context.database)}`);
  await transport.command(
    `CREATE TABLE IF NOT EXISTS ${table} (version UInt32, name String, applied_at ${renderType({ kind: 'DateTime64' }, context.dialect)}) ` +
      'ENGINE = ReplacingMergeTree ORDER BY version',
  );
  const rows = await transport.query<{ version: number | string; name: string }>(
    `SELECT version, name FROM ${table} FINAL ORDER BY version`,
  );
  const applied = new Map(rows.map((row) => [Number(row.version), row.name]));
  const known = new Map(migrations.map((migration) => [migration.version, migration.name]));
  for (const [version, name] of applied) {
    if (!known.has(version)) {
      throw new ConfigError(
        `ClickHouse ${context.database}.${context.tablePrefix}${migrationsTableName} has migration ${version} ("${name}"), which this makestream does not know: a newer version migrated this database. Upgrade makestream or use another database/tablePrefix.`,
      );
    }
    if (known.get(version) !== name) {
      throw new ConfigError(
        `ClickHouse migration ${version} was applied as "${name}" but is now "${known.get(version)}": applied migrations must never change; add a new migration instead.`,
      );
    }
  }
  const done: number[] = [];
  for (const migration of list) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements(context)) {
      try {
        await transport.command(statement);
      } catch (error) {
        // Classified like any other call: a dropped connection is retried by the runtime's start loop.
        throw toPipelineError(error, `migration ${migration.version} (${migration.name})`);
      }
    }
    const appliedAt = new Date(now())
      .toISOString()
      .replace('T', ' ')
      .slice(0, context.dialect.dateTime64 ? 23 : 19);
    await transport.insert({
      table: insertTarget(context, migrationsTableName),
      columns: ['version', 'name', 'applied_at'],
      format: 'JSONEachRow',
      body: `${JSON.stringify({ version: migration.version, name: migration.name, applied_at: appliedAt })}\n`,
      settings: {},
    });
    done.push(migration.version);
  }
  return { applied: done, alreadyApplied: [...applied.keys()] };
}
