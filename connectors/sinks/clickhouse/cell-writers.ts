/**
 * Column values written straight into the insert body as JSON bytes (`JsonBytes`, shared with the
 * search sink), with the checks of `column-types.ts`: a cell writer writes exactly
 * `JSON.stringify(valueEncoder(type, dialect, column)(value))`, or throws the InvalidRecordError
 * that `valueEncoder` throws (`cell-writers.test.ts` holds it to both). Times are written from a
 * per-day cache of their date bytes instead of through a formatted string.
 */
import type { JsonBytes } from '../../../pipeline/sink/json-bytes.js';
import { createTimeBytesWriter } from '../../../pipeline/sink/time-bytes.js';
import { timeChecker, valueEncoder, type ColumnType, type Dialect } from './column-types.js';

/** Checks one value and appends its JSON text; throws an InvalidRecordError naming the column. */
export type CellWriter = (out: JsonBytes, value: unknown) => void;

const NULL = Buffer.from('null');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/** A checked value as JSON.stringify writes it (strings, numbers, booleans, null; the rest through it). */
function writeJson(out: JsonBytes, value: unknown): void {
  switch (typeof value) {
    case 'string':
      out.string(value);
      return;
    case 'number':
      out.number(value);
      return;
    case 'boolean':
      out.bytes(value ? TRUE : FALSE);
      return;
    default:
      if (value === null) out.bytes(NULL);
      else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) out.stringList(value);
      else out.value(value);
  }
}

/** The cell writer of a column (made once per column). */
export function cellWriter(type: ColumnType, dialect: Dialect, column: string): CellWriter {
  if (type.kind === 'DateTime64') {
    const check = timeChecker(dialect, column);
    const withMilliseconds = dialect.dateTime64;
    const writeTime = (out: JsonBytes, value: unknown): void => writeUtc(out, check(value), withMilliseconds);
    if (!type.nullable) return (out, value) => writeTime(out, requireValue(value, type, dialect, column));
    return (out, value) => (value === null || value === undefined ? out.bytes(NULL) : writeTime(out, value));
  }
  const encode = valueEncoder(type, dialect, column);
  return (out, value) => writeJson(out, encode(value));
}

/** A missing value of a non-nullable column fails as `valueEncoder` fails it. */
function requireValue(value: unknown, type: ColumnType, dialect: Dialect, column: string): unknown {
  if (value === null || value === undefined) valueEncoder(type, dialect, column)(value);
  return value;
}

/** ClickHouse's DateTime64(3) / DateTime text, quoted (`formatUtc`'s text). */
const writeUtcMilliseconds = createTimeBytesWriter({ separator: ' ', milliseconds: true, zulu: false });
const writeUtcSeconds = createTimeBytesWriter({ separator: ' ', milliseconds: false, zulu: false });

/** `"YYYY-MM-DD hh:mm:ss[.mmm]"` of epoch ms in UTC, quoted: `formatUtc`'s text as bytes. */
function writeUtc(out: JsonBytes, ms: number, withMilliseconds: boolean): void {
  (withMilliseconds ? writeUtcMilliseconds : writeUtcSeconds)(out, ms);
}
