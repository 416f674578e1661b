/**
 * Rows from events: every column value is read through its spec and checked against its type
 * before anything is sent, so a record that cannot be stored fails alone (with the column named)
 * and the rest of its batch goes through.
 */
import { InvalidRecordError, type PipelineError } from '../../../pipeline/errors/index.js';
import { encodeValue, type Dialect } from './column-types.js';
import type { AnyTableSpec } from './tables/index.js';
import type { InsertFormat } from './transport.js';

/** One encoded row: its index in the batch and its line of the insert body (with `\n`). */
export interface EncodedRow {
  readonly index: number;
  readonly line: string;
}

/** Rows that encoded and items that did not. */
export interface EncodedBatch {
  readonly rows: readonly EncodedRow[];
  readonly failures: readonly { readonly index: number; readonly error: PipelineError }[];
}

/** A row encoder of one table. */
export interface RowEncoder {
  /** Column names in body order. */
  readonly columns: readonly string[];
  readonly format: InsertFormat;
  encode(values: readonly unknown[]): EncodedBatch;
}

/** Creates the encoder of `table` for `dialect` and `format`. */
export function createRowEncoder(table: AnyTableSpec, dialect: Dialect, format: InsertFormat): RowEncoder {
  const columns = table.columns.map((column) => ({
    name: column.name,
    type: column.type,
    read: column.value as (event: unknown) => unknown,
  }));
  const encodeOne = (value: unknown): string => {
    if (typeof value !== 'object' || value === null) {
      throw new InvalidRecordError(`A ${table.topic} record must be an object, got ${typeof value}.`, {
        stage: 'sending',
        component: 'sinks.clickhouse',
      });
    }
    if (format === 'JSONCompactEachRow') {
      const cells = columns.map((column) =>
        encodeValue(column.type, dialect, readColumn(column.read, value, column.name, table.name), column.name),
      );
      return `${JSON.stringify(cells)}\n`;
    }
    const row: Record<string, unknown> = {};
    for (const column of columns) {
      row[column.name] = encodeValue(
        column.type,
        dialect,
        readColumn(column.read, value, column.name, table.name),
        column.name,
      );
    }
    return `${JSON.stringify(row)}\n`;
  };
  return {
    columns: columns.map((column) => column.name),
    format,
    encode(values) {
      const rows: EncodedRow[] = [];
      const failures: { index: number; error: PipelineError }[] = [];
      values.forEach((value, index) => {
        try {
          rows.push({ index, line: encodeOne(value) });
        } catch (error) {
          failures.push({ index, error: asInvalid(error, table.name) });
        }
      });
      return { rows, failures };
    },
  };
}

function readColumn(read: (event: unknown) => unknown, event: object, column: string, table: string): unknown {
  try {
    return read(event);
  } catch (error) {
    throw new InvalidRecordError(
      `Table ${table}, column ${column}: cannot read the value from the record (${(error as Error).message}).`,
      {
        stage: 'sending',
        component: 'sinks.clickhouse',
        cause: error,
      },
    );
  }
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
