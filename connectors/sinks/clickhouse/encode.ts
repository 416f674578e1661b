/**
 * Rows from events: every column value is read through its spec and checked against its type
 * before anything is sent, so a record that cannot be stored fails alone (with the column named)
 * and the rest of its batch goes through.
 */
import { InvalidRecordError, type PipelineError } from '../../../pipeline/errors/index.js';
import { ByteArena } from '../../../pipeline/sink/byte-arena.js';
import { JsonBytes } from '../../../pipeline/sink/json-bytes.js';
import { cellWriter } from './cell-writers.js';
import type { Dialect } from './column-types.js';
import type { AnyTableSpec } from './tables/index.js';
import type { InsertFormat } from './transport.js';

/**
 * One encoded row: its index in the batch and where its line (with `\n`) lies in the batch's
 * bytes. The rows of a batch are contiguous (a row that fails leaves nothing behind), so any run of
 * them is one slice of those bytes.
 */
export interface EncodedRow {
  readonly index: number;
  readonly start: number;
  readonly end: number;
}

/** Rows that encoded and items that did not. */
export interface EncodedBatch {
  /** The insert body of every row (UTF-8), `rows` in order. */
  readonly bytes: Buffer;
  readonly rows: readonly EncodedRow[];
  readonly failures: readonly { readonly index: number; readonly error: PipelineError }[];
}

/** A row encoder of one table. */
export interface RowEncoder {
  /** Column names in body order. */
  readonly columns: readonly string[];
  readonly format: InsertFormat;
  /**
   * Encodes a batch. A value may be a decoded record or a row `prepare` already encoded (a
   * Uint8Array: its line is copied as it is).
   */
  encode(values: readonly unknown[]): EncodedBatch;
  /**
   * The line of one record (with its `\n`), as the sink's `prepare` hook returns it: a view into
   * shared chunks (`ByteArena`), byte for byte the line `encode` writes for the record. Throws the
   * InvalidRecordError `encode` reports for a record that cannot be stored.
   */
  prepare(value: unknown): Buffer;
}

/** The insert body of a run of consecutive rows of `batch` (a view, not a copy). */
export function bodyOf(batch: EncodedBatch, rows: readonly EncodedRow[]): Buffer {
  return rows.length === 0
    ? batch.bytes.subarray(0, 0)
    : batch.bytes.subarray(rows[0]!.start, rows[rows.length - 1]!.end);
}

/** Creates the encoder of `table` for `dialect` and `format`. */
export function createRowEncoder(table: AnyTableSpec, dialect: Dialect, format: InsertFormat): RowEncoder {
  const compact = format === 'JSONCompactEachRow';
  const columns = table.columns.map((column, position) => ({
    name: column.name,
    read: column.value as (event: unknown) => unknown,
    write: cellWriter(column.type, dialect, column.name),
    // What comes before the value: `[` / `,` (compact), or `{"name":` / `,"name":` (JSONEachRow).
    before: Buffer.from(
      `${position === 0 ? (compact ? '[' : '{') : ','}${compact ? '' : `${JSON.stringify(column.name)}:`}`,
    ),
  }));
  const rowEnd = Buffer.from(compact ? ']\n' : '}\n');
  // Each row is written straight into the batch's bytes, exactly as `JSON.stringify` of the row's
  // array (or object) of encoded values would write it (`encode.test.ts`): 4.9 -> ~2 µs/row for
  // executions (bench/sinks/clickhouse.ts --encode-only).
  const encodeOne = (out: JsonBytes, value: unknown): void => {
    if (typeof value !== 'object' || value === null) {
      throw new InvalidRecordError(`A ${table.topic} record must be an object, got ${typeof value}.`, {
        stage: 'sending',
        component: 'sinks.clickhouse',
      });
    }
    // The column being read, for the error when a spec's read function throws.
    let current = 0;
    try {
      for (; current < columns.length; current += 1) {
        const column = columns[current]!;
        const cell = column.read(value);
        out.bytes(column.before);
        column.write(out, cell);
      }
    } catch (error) {
      if (error instanceof InvalidRecordError) throw error;
      throw new InvalidRecordError(
        `Table ${table.name}, column ${columns[current]?.name ?? '?'}: cannot read the value from the record (${(error as Error).message}).`,
        { stage: 'sending', component: 'sinks.clickhouse', cause: error },
      );
    }
    out.bytes(rowEnd);
  };
  const arena = new ByteArena();
  return {
    columns: columns.map((column) => column.name),
    format,
    prepare(value) {
      try {
        return arena.take(encodeOne, value);
      } catch (error) {
        throw asInvalid(error, table.name);
      }
    },
    encode(values) {
      const out = new JsonBytes(values.length * 384);
      const rows: EncodedRow[] = [];
      const failures: { index: number; error: PipelineError }[] = [];
      for (let index = 0; index < values.length; index += 1) {
        const start = out.length;
        const value = values[index];
        try {
          if (value instanceof Uint8Array) out.bytes(value);
          else encodeOne(out, value);
        } catch (error) {
          out.length = start; // nothing of a refused row stays
          failures.push({ index, error: asInvalid(error, table.name) });
          continue;
        }
        rows.push({ index, start, end: out.length });
      }
      return { bytes: out.buffer.subarray(0, out.length), rows, failures };
    },
  };
}

function asInvalid(error: unknown, table: string): PipelineError {
  if (error instanceof InvalidRecordError) {
    return new InvalidRecordError(`Table ${table}: ${error.message}`, {
      stage: 'sending',
      component: 'sinks.clickhouse',
      cause: error,
    });
  }
  return new InvalidRecordError(`Table ${table}: ${(error as Error).message}`, {
    stage: 'sending',
    component: 'sinks.clickhouse',
    cause: error,
  });
}
