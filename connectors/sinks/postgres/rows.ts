/**
 * Turns the items of a batch into COPY text lines of one table, checking every value on the way:
 * an item PostgreSQL would refuse is reported alone (with the column and the reason) and left out
 * of the COPY, so the rest of the batch is written.
 *
 * Lines are written as UTF-8 bytes into shared chunks (`ByteArena`), not as strings: a batch then
 * keeps one small view per row instead of a string of ~400 B that the GC copies until the COPY, and
 * the writer sends runs of adjacent lines as they are, with no joined string to flatten and encode.
 */
import { InvalidRecordError } from '../../../pipeline/errors/index.js';
import type { SinkItem } from '../../../pipeline/sink/api.js';
import { ByteArena } from '../../../pipeline/sink/byte-arena.js';
import { JsonBytes } from '../../../pipeline/sink/json-bytes.js';
import { fieldWriter, ValueError } from './copy-text.js';
import type { EventValue, TableSpec } from './table-spec.js';

/** One item ready for COPY. */
export interface EncodedRow {
  /** Index of the item in its batch. */
  readonly index: number;
  /** One COPY text line, with its newline, as UTF-8 (a view into a `ByteArena` chunk). */
  readonly bytes: Buffer;
  /** The `time` value (epoch ms), for partition management. */
  readonly time: number;
}

/** An item that cannot be written. */
export interface RowFailure {
  readonly index: number;
  readonly error: InvalidRecordError;
}

/** The encoded rows of a batch and the items refused. */
export interface EncodedBatch {
  readonly rows: readonly EncodedRow[];
  readonly failures: readonly RowFailure[];
}

/** Appends one event's COPY line (fields, tabs, newline); throws ValueError naming the column. */
export type RowWriter = (out: JsonBytes, value: EventValue) => void;

const rowWriters = new WeakMap<TableSpec, RowWriter>();

/** Appends one event's COPY line for `table` (see {@link compileRowWriter}). */
export function writeRow(out: JsonBytes, table: TableSpec, value: EventValue): void {
  let write = rowWriters.get(table);
  if (write === undefined) rowWriters.set(table, (write = compileRowWriter(table)));
  write(out, value);
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The row writer of `table`, generated as one function that reads each top-level field by name
 * (`value.status`) and calls that column's writer (`fieldWriter`). A loop over the columns reads
 * `value[field]` with ~30 different keys at one site, which V8 then handles as a slow megamorphic
 * lookup; the generated reads each keep a one-shape inline cache (decoded events share a class).
 * Columns without a plain `field` (nested, derived) call their `read`.
 */
export function compileRowWriter(table: TableSpec): RowWriter {
  const writers = table.columns.map((column) => fieldWriter(column.name, column.type, column.nullable));
  const statements = table.columns.map((column, i) => {
    const read =
      column.field !== undefined && IDENTIFIER.test(column.field)
        ? `value.${column.field}`
        : `columns[${i}].read(value)`;
    return `${i > 0 ? 'out.byte(9); ' : ''}writers[${i}](out, ${read});`;
  });
  // Each call site sees one closure, so V8 can inline the column's writer there.
  const source = `"use strict";\nreturn function write_${table.name}(out, value) {\n${statements.join('\n')}\nout.byte(10);\n};`;
  // Generated from the table's own column list: field names are checked identifiers, nothing else is spliced in.
  return new Function('writers', 'columns', source)(writers, table.columns) as RowWriter;
}

/** One event's COPY line as a string (the bench's `psql \copy` file, tests). */
export function encodeRow(table: TableSpec, value: EventValue): string {
  const out = new JsonBytes(512);
  writeRow(out, table, value);
  return out.buffer.toString('utf8', 0, out.length);
}

/**
 * A row the sink's `prepare` hook encoded at decode time: its COPY line and `time` (partition
 * management needs it), so that a batch keeps a view of the line's bytes instead of the decoded event.
 */
export class PreparedRow {
  constructor(
    /** One COPY text line, with its newline, as UTF-8. */
    readonly bytes: Buffer,
    /** The `time` value (epoch ms). */
    readonly time: number,
  ) {}
}

/** Where one table's rows are written: the arena and the table, for `ByteArena.take`. */
export class RowEncoder {
  private readonly arena: ByteArena;
  private table: TableSpec | undefined;
  private readonly writeOne = (out: JsonBytes, value: EventValue): void => writeRow(out, this.table!, value);

  constructor(arena = new ByteArena()) {
    this.arena = arena;
  }

  /** `value`'s line for `table`; throws ValueError (nothing of the row stays in the arena). */
  encode(table: TableSpec, value: unknown): Buffer {
    if (value === null || typeof value !== 'object') throw new ValueError('value', 'is not a record');
    this.table = table;
    return this.arena.take(this.writeOne, value as EventValue);
  }
}

/** `item`'s row for `table`, or the InvalidRecordError `encodeLazily` reports for it (for `prepare`). */
export function prepareRow(table: TableSpec, item: SinkItem, encoder: RowEncoder): PreparedRow {
  const value = item.value;
  try {
    const bytes = encoder.encode(table, value);
    return new PreparedRow(bytes, table.columns[0]!.read(value as EventValue) as number);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw refusal(table, item, error);
  }
}

/** The `time` of a decoded or prepared item's row (undefined-safe: partition management filters). */
export function rowTime(table: TableSpec, value: unknown): unknown {
  return value instanceof PreparedRow ? value.time : table.columns[0]!.read(value as EventValue);
}

/** Encodes the items of a batch for `table`, all at once. */
export function encodeItems(table: TableSpec, items: readonly SinkItem[], encoder = new RowEncoder()): EncodedBatch {
  const lazy = encodeLazily(table, items, encoder);
  const rows = [...lazy.rows];
  return { rows, failures: lazy.failures };
}

/**
 * Encodes the items of a batch as they are iterated (once), so that encoding overlaps the COPY
 * (items `prepare` already encoded, {@link PreparedRow}s, are taken as they are);
 * `failures` fills up on the way and is complete when the iteration ends.
 */
export function encodeLazily(
  table: TableSpec,
  items: readonly SinkItem[],
  encoder: RowEncoder,
): { readonly rows: Iterable<EncodedRow>; readonly failures: RowFailure[] } {
  const failures: RowFailure[] = [];
  function* rows(): Generator<EncodedRow> {
    for (let index = 0; index < items.length; index += 1) {
      const item = items[index]!;
      const value = item.value;
      if (value instanceof PreparedRow) {
        yield { index, bytes: value.bytes, time: value.time };
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = encoder.encode(table, value);
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        failures.push({ index, error: refusal(table, item, error) });
        continue;
      }
      // keyColumns() puts `time` first; the encoder has checked it is integer epoch ms.
      yield { index, bytes, time: table.columns[0]!.read(value as EventValue) as number };
    }
  }
  return { rows: rows(), failures };
}

function refusal(table: TableSpec, item: SinkItem, error: ValueError): InvalidRecordError {
  const where = `${item.record.topic}/${item.record.partition}@${item.record.offset}`;
  return new InvalidRecordError(
    `Event ${item.eventId} (${where}) cannot be written to ${table.name}: ${error.message}.`,
    {
      stage: 'sending',
      component: 'sink.postgres',
      cause: error,
    },
  );
}
