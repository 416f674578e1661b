/**
 * Writes encoded rows into one table, idempotently: in one transaction, COPY (pg-copy-streams, text
 * format) into a temporary staging table of the session, then `INSERT … SELECT … ON CONFLICT
 * ("time", event_id) DO NOTHING`. A row already in the table (a retried or re-sent batch) is
 * skipped by the server; duplicates inside a batch too.
 *
 * When PostgreSQL refuses the data anyway (a case the encoder's checks did not foresee), the rows
 * are split in halves and each half written in its own transaction, down to the single rows at
 * fault, which are reported alone: about 2·log2(n) extra transactions per bad row.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { PipelineError } from '../../../pipeline/errors/index.js';
import { qualified, quoteIdent } from './ddl.js';
import { classifyPostgresError } from './errors.js';
import type { EncodedRow } from './rows.js';
import type { TableSpec } from './table-spec.js';

/** What the writer needs from a connection pool (pg.Pool fits). */
export interface ConnectionSource {
  connect(): Promise<pg.PoolClient>;
}

/** Outcome of writing rows: how many were new, and the rows PostgreSQL refused. */
export interface WriteOutcome {
  readonly inserted: number;
  readonly refused: readonly { readonly index: number; readonly error: PipelineError }[];
}

/** Pre-built statements of one table. */
interface TableStatements {
  readonly stagingName: string;
  readonly createStaging: string;
  readonly copy: string;
  readonly insert: string;
}

/** A writer for the tables of one schema. */
export interface TableWriter {
  /** Writes `rows` (non-empty) to `table`; throws a classified PipelineError when the batch cannot be written now. */
  write(table: TableSpec, rows: readonly EncodedRow[]): Promise<WriteOutcome>;
}

/** Creates a writer on `pool` for tables in `schema`. */
export function createTableWriter(pool: ConnectionSource, schema: string): TableWriter {
  const statements = new Map<string, TableStatements>();
  /** Sessions that already have the staging table of a table (temp tables live per session). */
  const staged = new WeakMap<pg.PoolClient, Set<string>>();

  const statementsOf = (table: TableSpec): TableStatements => {
    let found = statements.get(table.name);
    if (!found) {
      const columns = table.columns.map((column) => quoteIdent(column.name)).join(', ');
      const stagingName = quoteIdent(`makestream_stage_${table.name}`);
      found = {
        stagingName,
        // Temp tables are not WAL-logged; ON COMMIT DELETE ROWS empties it at the end of each batch.
        createStaging: `CREATE TEMP TABLE IF NOT EXISTS ${stagingName} (LIKE ${qualified(schema, table.name)} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`,
        copy: `COPY ${stagingName} (${columns}) FROM STDIN`,
        insert: `INSERT INTO ${qualified(schema, table.name)} (${columns}) SELECT ${columns} FROM ${stagingName} ON CONFLICT ("time", "event_id") DO NOTHING`,
      };
      statements.set(table.name, found);
    }
    return found;
  };

  async function writeOnce(table: TableSpec, rows: readonly EncodedRow[]): Promise<number> {
    const sql = statementsOf(table);
    const client = await pool.connect().catch((error: unknown) => {
      throw classifyPostgresError(error, `Connecting to PostgreSQL for ${table.name}`).error;
    });
    let broken: Error | undefined;
    try {
      let sessionTables = staged.get(client);
      if (!sessionTables) staged.set(client, (sessionTables = new Set()));
      if (!sessionTables.has(table.name)) {
        // Outside the batch transaction: a rolled-back batch must not take the staging table with it.
        await client.query(sql.createStaging);
        sessionTables.add(table.name);
      }
      await client.query('BEGIN');
      try {
        const copy = client.query(copyStreams.from(sql.copy));
        await pipeline(Readable.from(chunks(rows)), copy);
        const result = await client.query(sql.insert);
        await client.query('COMMIT');
        return result.rowCount ?? 0;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError as Error;
        });
        throw error;
      }
    } catch (error) {
      if (classifyPostgresError(error, '').kind === 'retriable') broken ??= error as Error;
      throw error;
    } finally {
      // A connection in doubt is destroyed, not returned to the pool.
      client.release(broken);
    }
  }

  async function writeSplitting(table: TableSpec, rows: readonly EncodedRow[]): Promise<WriteOutcome> {
    try {
      return { inserted: await writeOnce(table, rows), refused: [] };
    } catch (error) {
      const classified = classifyPostgresError(error, `Writing ${rows.length} row(s) to ${schema}.${table.name}`);
      if (classified.kind !== 'data') throw classified.error;
      if (rows.length === 1) return { inserted: 0, refused: [{ index: rows[0]!.index, error: classified.error }] };
      const middle = Math.ceil(rows.length / 2);
      const first = await writeSplitting(table, rows.slice(0, middle));
      const second = await writeSplitting(table, rows.slice(middle));
      return { inserted: first.inserted + second.inserted, refused: [...first.refused, ...second.refused] };
    }
  }

  return { write: writeSplitting };
}

/** The rows' lines in chunks of about 64 KiB (fewer stream writes than one per row). */
function* chunks(rows: readonly EncodedRow[]): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += row.line;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}
