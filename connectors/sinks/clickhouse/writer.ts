/**
 * Writes one batch of one table: encode (bad records fail alone), insert with the batch's
 * deduplication token, and on a data error bisect to find the rows the server refuses.
 *
 * Idempotence: the token makes the server drop a re-sent insert (same records, same token, within
 * the table's deduplication window); ReplacingMergeTree collapses any copy that still gets in
 * (different batching after a crash) at merge time and under `FINAL`. Halves of a bisected batch
 * get tokens derived from the batch token and their index range, so a retry bisects the same way.
 */
import { InvalidRecordError, RetriableError, type PipelineError } from '../../../pipeline/errors/index.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import { classify, toPipelineError } from './errors.js';
import { bodyOf, type EncodedBatch, type EncodedRow, type RowEncoder } from './encode.js';
import type { ClickHouseTransport } from './transport.js';

/** A failed item of a write. */
export interface ItemFailure {
  readonly index: number;
  readonly error: PipelineError;
}

/** What a table writer needs. */
export interface TableWriterOptions {
  readonly transport: ClickHouseTransport;
  /** Qualified table name without quotes (`database.table`). */
  readonly table: string;
  readonly encoder: RowEncoder;
  /** Send `insert_deduplication_token` (ClickHouse >= 22.2). */
  readonly insertDedupToken: boolean;
  readonly logger?: Logger;
}

/** Writes batches into one table. */
export interface TableWriter {
  /**
   * Writes `values`; resolves with the items that failed (data errors alone, or everything left
   * once a bisection met a retriable error); throws when the whole batch failed before any row was
   * written (retriable or fatal, as classified).
   */
  write(values: readonly unknown[], dedupToken: string): Promise<readonly ItemFailure[]>;
}

/** Creates the writer of one table. */
export function createTableWriter(options: TableWriterOptions): TableWriter {
  const { transport, table, encoder, insertDedupToken, logger } = options;

  const insert = (batch: EncodedBatch, rows: readonly EncodedRow[], token: string): Promise<void> =>
    transport.insert({
      table,
      columns: encoder.columns,
      format: encoder.format,
      body: bodyOf(batch, rows),
      settings: insertDedupToken ? { insert_deduplicate: 1, insert_deduplication_token: token } : {},
    });

  /** Inserts `rows` (part of a bisection), reporting failures instead of throwing. */
  const bisect = async (
    batch: EncodedBatch,
    rows: readonly EncodedRow[],
    token: string,
    failures: ItemFailure[],
  ): Promise<void> => {
    const range = `${rows[0]!.index}-${rows[rows.length - 1]!.index}`;
    const partToken = `${token}#${range}`;
    try {
      await insert(batch, rows, partToken);
      return;
    } catch (error) {
      const errorClass = classify(error);
      if (errorClass === 'data' && rows.length > 1) {
        await split(batch, rows, token, failures);
        return;
      }
      for (const row of rows) {
        failures.push({ index: row.index, error: itemError(error, errorClass, table) });
      }
    }
  };

  const split = async (
    batch: EncodedBatch,
    rows: readonly EncodedRow[],
    token: string,
    failures: ItemFailure[],
  ): Promise<void> => {
    const middle = Math.ceil(rows.length / 2);
    await bisect(batch, rows.slice(0, middle), token, failures);
    await bisect(batch, rows.slice(middle), token, failures);
  };

  return {
    async write(values, dedupToken) {
      const encoded = encoder.encode(values);
      const failures: ItemFailure[] = [...encoded.failures];
      if (encoded.rows.length === 0) return failures;
      try {
        await insert(encoded, encoded.rows, dedupToken);
        return failures;
      } catch (error) {
        const errorClass = classify(error);
        if (errorClass !== 'data') throw toPipelineError(error, `insert of ${encoded.rows.length} rows into ${table}`);
        if (encoded.rows.length === 1) {
          failures.push({ index: encoded.rows[0]!.index, error: itemError(error, errorClass, table) });
        } else {
          logger?.warn(
            { err: error, table, rows: encoded.rows.length },
            'ClickHouse refused a value; bisecting the batch to find the bad rows.',
          );
          await split(encoded, encoded.rows, dedupToken, failures);
        }
        return failures.sort((a, b) => a.index - b.index);
      }
    },
  };
}

function itemError(error: unknown, errorClass: ReturnType<typeof classify>, table: string): PipelineError {
  const message = `ClickHouse refused the row for ${table}: ${error instanceof Error ? error.message.trim() : String(error)}`;
  const options = { cause: error, stage: 'sending' as const, component: 'sinks.clickhouse' };
  if (errorClass === 'retriable') return new RetriableError(message, options);
  if (errorClass === 'data')
    return new InvalidRecordError(`${message} (fix the producer; the record was not written)`, options);
  return toPipelineError(error, `insert into ${table}`);
}
