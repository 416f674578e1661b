/**
 * Keeps each table's TTL equal to the configured retention: the create statement writes the TTL
 * once, so a later change of `ttlDays` / `ttlDaysByTable` is applied at start with `ALTER TABLE …
 * MODIFY TTL` (or `REMOVE TTL` for 0). A TTL that is not the sink's own shape (an operator's
 * custom TTL) is left alone and reported.
 */
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import { qualifiedName, quoteIdentifier, quoteString, type DdlContext } from './ddl.js';
import type { AnyTableSpec } from './tables/index.js';
import type { ClickHouseTransport } from './transport.js';

/** A TTL change made at start. */
export interface RetentionChange {
  readonly table: string;
  readonly fromDays: number;
  readonly toDays: number;
}

/** The TTL in days the sink wrote into `engineFull`, 0 for none, or `custom` for another TTL. */
export function ttlDaysInEngine(engineFull: string, timeColumn: string): number | 'custom' {
  const own = new RegExp(`\\bTTL toDateTime\\(\`?${timeColumn}\`?\\) \\+ toIntervalDay\\((\\d+)\\)`).exec(engineFull);
  if (own) return Number(own[1]);
  return /\bTTL\b/.test(engineFull) ? 'custom' : 0;
}

/** Aligns the TTL of `tables` with `context.ttlDays` (current dialect only). */
export async function alignRetention(
  transport: ClickHouseTransport,
  context: DdlContext,
  tables: readonly AnyTableSpec[],
  logger?: Logger,
): Promise<RetentionChange[]> {
  if (!context.dialect.ttl || tables.length === 0) return [];
  const rows = await transport.query<{ name: string; engine_full: string }>(
    `SELECT name, engine_full FROM system.tables WHERE database = ${quoteString(context.database)} ` +
      `AND name IN (${tables.map((table) => quoteString(context.tablePrefix + table.name)).join(', ')})`,
  );
  const changes: RetentionChange[] = [];
  for (const table of tables) {
    const row = rows.find((candidate) => candidate.name === context.tablePrefix + table.name);
    if (!row) continue;
    const current = ttlDaysInEngine(row.engine_full, table.timeColumn);
    const wanted = Math.trunc(context.ttlDays[table.name] ?? 0);
    if (current === 'custom') {
      logger?.warn({ table: row.name, engine: row.engine_full }, 'Table has a TTL the sink did not write; leaving it.');
      continue;
    }
    if (current === wanted) continue;
    const name = qualifiedName(context, table.name);
    await transport.command(
      wanted > 0
        ? `ALTER TABLE ${name} MODIFY TTL toDateTime(${quoteIdentifier(table.timeColumn)}) + INTERVAL ${wanted} DAY`
        : `ALTER TABLE ${name} REMOVE TTL`,
    );
    logger?.info({ table: row.name, fromDays: current, toDays: wanted }, 'Changed the retention (TTL) of a table.');
    changes.push({ table: table.name, fromDays: current, toDays: wanted });
  }
  return changes;
}
