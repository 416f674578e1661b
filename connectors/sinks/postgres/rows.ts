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
  const fields = new Array<string>(table.columns.length);
  for (let position = 0; position < table.columns.length; position += 1) {
    const column = table.columns[position]!;
    fields[position] = encodeField(column.name, column.type, column.nullable, column.read(value));
  }
  return `${fields.join('\t')}\n`;
}

/** Encodes the items of a batch for `table`, all at once. */
export function encodeItems(table: TableSpec, items: readonly SinkItem[]): EncodedBatch {
  const lazy = encodeLazily(table, items);
  const rows = [...lazy.rows];
  return { rows, failures: lazy.failures };
}

/**
 * Encodes the items of a batch as they are iterated (once), so that encoding overlaps the COPY;
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
