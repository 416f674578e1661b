/**
 * DDL rendered from the table specs: the same statements run on ClickHouse over HTTP and on chDB.
 * Tables are ReplacingMergeTree sorted by organization, team, scenario, time and event id (copies of
 * an event collapse at merge time and under `FINAL`), partitioned by day or month of event time,
 * with a TTL on event time and a deduplication window for insert tokens.
 */
import { renderType, type Dialect } from './column-types.js';
import type { AnyTableSpec, ColumnSpec } from './tables/index.js';

/** Where and how tables are created. */
export interface DdlContext {
  readonly database: string;
  /** Prepended to every table name, e.g. `ms_`. */
  readonly tablePrefix: string;
  readonly dialect: Dialect;
  /** Retention in days per table name (without prefix); 0 or absent keeps rows forever. */
  readonly ttlDays: Readonly<Record<string, number>>;
  /** Insert blocks remembered per table for `insert_deduplication_token` (non-replicated tables). */
  readonly deduplicationWindow: number;
}

/** `name` as a quoted identifier. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** `'text'` as a SQL string literal. */
export function quoteString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The qualified name of a table without quotes, `db.prefix_name`, as inserts take it (chDB accepts
 * only plain identifiers there; the config allows nothing else).
 */
export function insertTarget(context: Pick<DdlContext, 'database' | 'tablePrefix'>, table: string): string {
  return `${context.database}.${context.tablePrefix}${table}`;
}

/** The qualified, quoted name of a table: `` `db`.`prefix_name` ``. */
export function qualifiedName(context: Pick<DdlContext, 'database' | 'tablePrefix'>, table: string): string {
  return `${quoteIdentifier(context.database)}.${quoteIdentifier(context.tablePrefix + table)}`;
}

function columnDefinition(column: ColumnSpec<never>, dialect: Dialect): string {
  const comment = dialect.name === 'current' ? ` COMMENT ${quoteString(column.doc)}` : '';
  return `${quoteIdentifier(column.name)} ${renderType(column.type, dialect)}${comment}`;
}

/** `CREATE TABLE IF NOT EXISTS` with the columns the table had when `table.createdIn` ran. */
export function createTableStatement(table: AnyTableSpec, context: DdlContext): string {
  const { dialect } = context;
  const columns = table.columns.filter((column) => column.since <= table.createdIn);
  const time = quoteIdentifier(table.timeColumn);
  const partition = table.partition === 'day' ? `toYYYYMMDD(${time})` : `toYYYYMM(${time})`;
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(context, table.name)}`,
    `(\n  ${columns.map((column) => columnDefinition(column, dialect)).join(',\n  ')}\n)`,
    'ENGINE = ReplacingMergeTree',
    `PARTITION BY ${partition}`,
    `ORDER BY (${table.orderBy.map(quoteIdentifier).join(', ')})`,
  ];
  const ttlDays = context.ttlDays[table.name] ?? 0;
  const settings: string[] = [];
  if (dialect.ttl && ttlDays > 0) {
    lines.push(`TTL toDateTime(${time}) + INTERVAL ${Math.trunc(ttlDays)} DAY`);
    // Expired rows go by whole parts: no rewrite of partly expired parts.
    settings.push('ttl_only_drop_parts = 1');
  }
  if (dialect.insertDedupToken) {
    settings.push(`non_replicated_deduplication_window = ${Math.trunc(context.deduplicationWindow)}`);
  }
  if (settings.length > 0) lines.push(`SETTINGS ${settings.join(', ')}`);
  return lines.join('\n');
}

/** `ALTER TABLE … ADD COLUMN IF NOT EXISTS` for the columns that migration `version` added. */
export function addColumnsStatements(table: AnyTableSpec, version: number, context: DdlContext): string[] {
  const added = table.columns.filter((column) => column.since === version);
  if (added.length === 0)
    throw new Error(`Migration ${version} adds no column to ${table.name}: set since: ${version} on the new columns.`);
  return added.map(
    (column) =>
      `ALTER TABLE ${qualifiedName(context, table.name)} ADD COLUMN IF NOT EXISTS ${columnDefinition(column, context.dialect)}`,
  );
}

/** The columns a table has after all migrations (the insert column list). */
export function currentColumns(table: AnyTableSpec): readonly ColumnSpec<never>[] {
  return table.columns;
}
