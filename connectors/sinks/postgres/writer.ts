/**
 * Writes encoded rows into one table, idempotently, one transaction per batch:
 * - `staging`: COPY (pg-copy-streams, text format) into a temporary staging table of the session,
 *   then `INSERT … SELECT … ON CONFLICT ("time", event_id) DO NOTHING`. A row already in the table
 *   (a retried or re-sent batch) is skipped by the server; duplicates inside a batch too.
 * - `direct-first` (default): COPY straight into the table. If any row is already there, the COPY
 *   fails with a unique violation (23505) and its transaction leaves nothing behind; the batch is
 *   then written through staging as above. Same result, but a first delivery costs one COPY instead
 *   of a COPY plus an INSERT … SELECT (measured: about twice the rows/s, bench/sinks/postgres.ts).
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
import { concatViews } from '../../../pipeline/sink/byte-arena.js';
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
  readonly directCopy: string;
  readonly stagingName: string;
  readonly createStaging: string;
  readonly copy: string;
  readonly insert: string;
}

/** A writer for the tables of one schema. */
export interface TableWriter {
  /**
   * Writes `rows` to `table`; throws a classified PipelineError when the batch cannot be written
   * now. `rows` may be lazy (encoded while the COPY streams, so encoding overlaps the server's
   * work); it is iterated once and kept for a second attempt.
   */
  write(table: TableSpec, rows: Iterable<EncodedRow>): Promise<WriteOutcome>;
}

/** How batches reach the table. */
export interface TableWriterOptions {
  /**
   * COPY straight into the table first (as fast as `psql \copy`); when a row is already there
   * (unique violation 23505: a re-sent batch) nothing of that attempt stays, and the batch is
   * written through the staging table instead, as are the next `stagingAfterConflict` batches of
   * that table (re-sends come in runs after a restart). False: always through staging.
   */
  readonly directFirst: boolean;
  readonly stagingAfterConflict?: number;
}

/** Creates a writer on `pool` for tables in `schema`. */
export function createTableWriter(pool: ConnectionSource, schema: string, options: TableWriterOptions): TableWriter {
  /** Per table: batches still to write through staging after a conflict. */
  const stagingRuns = new Map<string, number>();
  const statements = new Map<string, TableStatements>();
  /** Sessions that already have the staging table of a table (temp tables live per session). */
  const staged = new WeakMap<pg.PoolClient, Set<string>>();

  const statementsOf = (table: TableSpec): TableStatements => {
    let found = statements.get(table.name);
    if (!found) {
      const columns = table.columns.map((column) => quoteIdent(column.name)).join(', ');
      const stagingName = quoteIdent(`makestream_stage_${table.name}`);
      found = {
        directCopy: `COPY ${qualified(schema, table.name)} (${columns}) FROM STDIN`,
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

  async function writeOnce(table: TableSpec, rows: Iterable<EncodedRow>, direct: boolean): Promise<number> {
    const sql = statementsOf(table);
    const client = await pool.connect().catch((error: unknown) => {
      throw classifyPostgresError(error, `Connecting to PostgreSQL for ${table.name}`).error;
    });
    let broken: Error | undefined;
    try {
      let sessionTables = staged.get(client);
      if (!sessionTables) staged.set(client, (sessionTables = new Set()));
      if (!direct && !sessionTables.has(table.name)) {
        // Outside the batch transaction: a rolled-back batch must not take the staging table with it.
        await client.query(sql.createStaging);
        sessionTables.add(table.name);
      }
      await client.query('BEGIN');
      try {
        const copy = client.query(copyStreams.from(direct ? sql.directCopy : sql.copy));
        await pipeline(Readable.from(chunks(rows)), copy);
        const inserted = direct ? copy.rowCount : ((await client.query(sql.insert)).rowCount ?? 0);
        await client.query('COMMIT');
        return inserted;
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

  async function writeSplitting(table: TableSpec, rows: readonly EncodedRow[] | LazyRows): Promise<WriteOutcome> {
    const stagingRun = stagingRuns.get(table.name) ?? 0;
    const direct = options.directFirst && stagingRun === 0;
    if (stagingRun > 0) stagingRuns.set(table.name, stagingRun - 1);
    try {
      return { inserted: await writeOnce(table, 'lazy' in rows ? rows.lazy : rows, direct), refused: [] };
    } catch (error) {
      const list = 'lazy' in rows ? rows.materialize() : rows;
      if (direct && (error as { code?: unknown }).code === '23505') {
        stagingRuns.set(table.name, (options.stagingAfterConflict ?? 16) + 1);
        return writeSplitting(table, list);
      }
      const classified = classifyPostgresError(error, `Writing ${list.length} row(s) to ${schema}.${table.name}`);
      if (classified.kind !== 'data') throw classified.error;
      if (list.length <= 1) {
        return { inserted: 0, refused: list.map((row) => ({ index: row.index, error: classified.error })) };
      }
      const middle = Math.ceil(list.length / 2);
      const first = await writeSplitting(table, list.slice(0, middle));
      const second = await writeSplitting(table, list.slice(middle));
      return { inserted: first.inserted + second.inserted, refused: [...first.refused, ...second.refused] };
    }
  }

  return {
    write: (table, rows) => writeSplitting(table, Array.isArray(rows) ? (rows as EncodedRow[]) : lazyRows(rows)),
  };
}

/** Rows produced while the first attempt streams them, kept for later attempts. */
interface LazyRows {
  readonly lazy: Iterable<EncodedRow>;
  /** Every row (producing those the first attempt did not reach). */
  materialize(): readonly EncodedRow[];
}

function lazyRows(source: Iterable<EncodedRow>): LazyRows {
  const kept: EncodedRow[] = [];
  const iterator = source[Symbol.iterator]();
  return {
    lazy: {
      *[Symbol.iterator]() {
        for (let next = iterator.next(); next.done !== true; next = iterator.next()) {
          kept.push(next.value);
          yield next.value;
        }
      },
    },
    materialize() {
      for (let next = iterator.next(); next.done !== true; next = iterator.next()) kept.push(next.value);
      return kept;
    },
  };
}

/** Bytes per stream write: about 64 KiB of lines (fewer writes than one per row). */
const CHUNK_BYTES = 65_536;

/**
 * The rows' lines in chunks of about 64 KiB. Lines that follow one another in the same arena chunk
 * (rows prepared in order, the usual case) are sent as one view of it, without a copy.
 */
function* chunks(rows: Iterable<EncodedRow>): Generator<Buffer> {
  let views: Buffer[] = [];
  let total = 0;
  /** Whether `views` are adjacent bytes of one buffer. */
  let adjacent = true;
  for (const row of rows) {
    const bytes = row.bytes;
    const last = views.at(-1);
    if (last && (last.buffer !== bytes.buffer || last.byteOffset + last.length !== bytes.byteOffset)) adjacent = false;
    views.push(bytes);
    total += bytes.length;
    if (total >= CHUNK_BYTES) {
      yield joined(views, total, adjacent);
      views = [];
      total = 0;
      adjacent = true;
    }
  }
  if (total > 0) yield joined(views, total, adjacent);
}

function joined(views: readonly Buffer[], total: number, adjacent: boolean): Buffer {
  if (views.length === 1) return views[0]!;
  if (adjacent) return Buffer.from(views[0]!.buffer, views[0]!.byteOffset, total);
  return concatViews(views, total);
}
