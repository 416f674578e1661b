/**
 * Column values written straight into the insert body as JSON bytes (`JsonBytes`, shared with the
 * search sink), with the checks of `column-types.ts`: a cell writer writes exactly
 * `JSON.stringify(valueEncoder(type, dialect, column)(value))`, or throws the InvalidRecordError
 * that `valueEncoder` throws (`cell-writers.test.ts` holds it to both). Times are written from a
 * per-day cache of their date bytes instead of through a formatted string.
 */
import { JsonBytes } from '../elasticsearch/json-bytes.js';
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

const DAY_MS = 86_400_000;
const DIGIT_0 = 0x30;
/** `YYYY-MM-DD ` of each day seen, as bytes (at most 4 096 days, then cleared). */
const dayPrefixes = new Map<number, Uint8Array>();
let lastDay = Number.NaN;
let lastPrefix: Uint8Array | undefined;

/** `"YYYY-MM-DD hh:mm:ss[.mmm]"` of epoch ms in UTC, quoted: `formatUtc`'s text as bytes. */
export function writeUtc(out: JsonBytes, ms: number, withMilliseconds: boolean): void {
  const day = Math.floor(ms / DAY_MS);
  // Most times of a batch fall on the day of the one before: no map lookup for those.
  let prefix = day === lastDay ? lastPrefix : dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= 4096) dayPrefixes.clear();
    prefix = Buffer.from(`"${new Date(day * DAY_MS).toISOString().slice(0, 10)} `, 'latin1');
    dayPrefixes.set(day, prefix);
  }
  lastDay = day;
  lastPrefix = prefix;
  out.bytes(prefix);
  let rest = ms - day * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  out.reserve(13);
  const buffer = out.buffer;
  let p = out.length;
  buffer[p++] = DIGIT_0 + Math.floor(hours / 10);
  buffer[p++] = DIGIT_0 + (hours % 10);
  buffer[p++] = 0x3a; // :
  buffer[p++] = DIGIT_0 + Math.floor(minutes / 10);
  buffer[p++] = DIGIT_0 + (minutes % 10);
  buffer[p++] = 0x3a;
  buffer[p++] = DIGIT_0 + Math.floor(seconds / 10);
  buffer[p++] = DIGIT_0 + (seconds % 10);
  if (withMilliseconds) {
    buffer[p++] = 0x2e; // .
    buffer[p++] = DIGIT_0 + Math.floor(millis / 100);
    buffer[p++] = DIGIT_0 + (Math.floor(millis / 10) % 10);
    buffer[p++] = DIGIT_0 + (millis % 10);
  }
  buffer[p++] = 0x22;
  out.length = p;
}
