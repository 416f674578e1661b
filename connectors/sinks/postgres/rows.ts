/**
 * Turns the items of a batch into COPY text lines of one table, checking every value on the way:
 * an item PostgreSQL would refuse is reported alone (with the column and the reason) and left out
 * of the COPY, so the rest of the batch is written.
 */
import { InvalidRecordError } from '../../../pipeline/errors/index.js';
import type { SinkItem } from '../../../pipeline/sink/api.js';
import { encodeField, ValueError } from './copy-text.js';
import type { EventValue, TableSpec } from './table-spec.js';

/** One item ready for COPY. */
export interface EncodedRow {
  /** Index of the item in its batch. */
  readonly index: number;
  /** One COPY text line, with its newline. */
  readonly line: string;
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

/** Encodes one event as a COPY line; throws ValueError naming the column. */
export function encodeRow(table: TableSpec, value: EventValue): string {
  const last = table.columns.length - 1;
  const fields = new Array<string>(table.columns.length);
  for (let position = 0; position <= last; position += 1) {
    const column = table.columns[position]!;
    fields[position] = encodeField(column.name, column.type, column.nullable, column.read(value));
  }
  // The newline goes into the last field, not after the join: the line is then one flat string
  // (`join` makes one), where `${joined}\n` is a two-part string keeping both parts alive, which a
  // batch of prepared rows would hold for every row.
  fields[last] += '\n';
  return fields.join('\t');
}

/**
 * A row the sink's `prepare` hook encoded at decode time: its COPY line and `time` (partition
 * management needs it), so that a batch keeps one string per row instead of the decoded event.
 */
export class PreparedRow {
  constructor(
    /** One COPY text line, with its newline. */
    readonly line: string,
    /** The `time` value (epoch ms). */
    readonly time: number,
  ) {}
}

/** `item`'s row for `table`, or the InvalidRecordError `encodeLazily` reports for it (for `prepare`). */
export function prepareRow(table: TableSpec, item: SinkItem): PreparedRow {
  const value = item.value;
  try {
    if (value === null || typeof value !== 'object') throw new ValueError('value', 'is not a record');
    const line = encodeRow(table, value as EventValue);
    return new PreparedRow(line, table.columns[0]!.read(value as EventValue) as number);
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
export function encodeItems(table: TableSpec, items: readonly SinkItem[]): EncodedBatch {
  const lazy = encodeLazily(table, items);
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
): { readonly rows: Iterable<EncodedRow>; readonly failures: RowFailure[] } {
  const failures: RowFailure[] = [];
  function* rows(): Generator<EncodedRow> {
    for (let index = 0; index < items.length; index += 1) {
      const item = items[index]!;
      const value = item.value;
      if (value instanceof PreparedRow) {
        yield { index, line: value.line, time: value.time };
        continue;
      }
      let line: string;
      try {
        if (value === null || typeof value !== 'object') throw new ValueError('value', 'is not a record');
        line = encodeRow(table, value as EventValue);
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        failures.push({ index, error: refusal(table, item, error) });
        continue;
      }
      // keyColumns() puts `time` first; encodeRow has checked it is integer epoch ms.
      yield { index, line, time: table.columns[0]!.read(value as EventValue) as number };
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
