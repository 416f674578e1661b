/**
 * Encoding of values into PostgreSQL's COPY text format (one row per line, columns separated by a
 * tab, `\N` for NULL, backslash escapes), with the checks PostgreSQL would otherwise make for the
 * whole batch. A value that PostgreSQL would refuse (a NUL character in text, a timestamp outside
 * years 1–9999, a number outside its column's range, JSON text that does not parse) is refused
 * here, for its own item, so that one bad record never fails the COPY of its batch.
 *
 * Format reference: https://www.postgresql.org/docs/15/sql-copy.html ("Text Format").
 */
import { JsonBytes } from '../../../pipeline/sink/json-bytes.js';
import { createTimeBytesWriter } from '../../../pipeline/sink/time-bytes.js';

/** The column types the sink's tables use. */
export type ColumnType =
  'timestamptz' | 'uuid' | 'text' | 'bigint' | 'integer' | 'double precision' | 'boolean' | 'jsonb' | 'bytea';

/** A value PostgreSQL would refuse; `field` names the column. */
export class ValueError extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(`${column}: ${message}`);
    this.name = 'ValueError';
  }
}

/** COPY text's NULL marker. */
export const NULL_FIELD = '\\N';

/** Earliest and latest epoch ms written as timestamptz: years 1 to 9999 (ISO 8601 without sign). */
const FIRST_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** True for integer epoch ms that can be written as timestamptz (years 1 to 9999). */
export function isWritableTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= FIRST_MS && value <= LAST_MS;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES = /[\\\n\r\t]/g;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes text for one COPY text field (backslash, newline, carriage return, tab). */
export function escapeCopyText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPES, (char) => ESCAPED[char]!) : text;
}

function checkText(column: string, text: string): string {
  // PostgreSQL text cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00").
  if (text.includes('\u0000'))
    throw new ValueError(column, 'contains a NUL character (U+0000), which PostgreSQL text cannot hold');
  return text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return String(value);
  return typeof value;
}

/** `\N` as bytes. */
const NULL_BYTES = Buffer.from(NULL_FIELD, 'latin1');
/** Bare ISO 8601 UTC text (toISOString's), written without a string per value. */
const writeIsoTime = createTimeBytesWriter({ separator: 'T', milliseconds: true, zulu: true, quoted: false });
const BACKSLASH = 0x5c;
const EMPTY_ARRAY = Buffer.from('[]', 'latin1');

/**
 * Appends `text` as one COPY text field (UTF-8, the escapes of {@link escapeCopyText}); refuses a
 * NUL character. Printable ASCII is copied byte by byte; the rest of a string from its first other
 * character on goes through `escapeCopyText` and a native UTF-8 write.
 */
function writeText(out: JsonBytes, column: string, text: string): void {
  const count = text.length;
  // Printable ASCII is at most 2 bytes a code unit (an escaped backslash).
  out.reserve(2 * count);
  const buffer = out.buffer;
  let position = out.length;
  let i = 0;
  for (; i < count; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) break;
    if (code === BACKSLASH) buffer[position++] = BACKSLASH;
    buffer[position++] = code;
  }
  out.length = position;
  if (i < count) out.utf8(escapeCopyText(checkText(column, i === 0 ? text : text.slice(i))));
}

/** Appends one column's value (COPY text, UTF-8); throws ValueError naming the column. */
export type FieldWriter = (out: JsonBytes, value: unknown) => void;

/**
 * The writer of one column: `null`/`undefined` become `\N` when the column allows NULL; other
 * values are checked for `type` and written. Throws ValueError (naming `column`) for a value
 * PostgreSQL would refuse, possibly after part of the field was written: the caller drops the row's
 * bytes. One closure per column, so that a row writer calls each column's check directly.
 */
export function fieldWriter(column: string, type: ColumnType, nullable: boolean): FieldWriter {
  const write = valueWriter(column, type);
  return nullable
    ? (out, value) => {
        if (value === null || value === undefined) out.bytes(NULL_BYTES);
        else write(out, value);
      }
    : (out, value) => {
        if (value === null || value === undefined) throw new ValueError(column, 'is required but missing');
        write(out, value);
      };
}

/** {@link fieldWriter} for one value (tests, one-off callers). */
export function writeField(out: JsonBytes, column: string, type: ColumnType, nullable: boolean, value: unknown): void {
  fieldWriter(column, type, nullable)(out, value);
}

/** The writer of a non-null value of `type`. */
function valueWriter(column: string, type: ColumnType): FieldWriter {
  switch (type) {
    case 'timestamptz':
      return (out, value) => writeTimestamp(out, column, value);
    case 'uuid':
      return (out, value) => {
        if (typeof value !== 'string' || !UUID.test(value))
          throw new ValueError(column, `expected a UUID, got ${describe(value)}`);
        out.ascii(value);
      };
    case 'text':
      return (out, value) => {
        if (typeof value !== 'string') throw new ValueError(column, `expected a string, got ${describe(value)}`);
        writeText(out, column, value);
      };
    case 'bigint':
      // Avro longs arrive as JS numbers: beyond 2^53 they are already imprecise, so refuse them.
      return (out, value) =>
        writeInteger(out, column, value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'a safe integer');
    case 'integer':
      return (out, value) => writeInteger(out, column, value, -2_147_483_648, 2_147_483_647, 'integer (32 bits)');
    case 'double precision':
      return (out, value) => {
        if (typeof value !== 'number') throw new ValueError(column, `expected a number, got ${describe(value)}`);
        if (Number.isNaN(value)) out.ascii('NaN');
        else if (value === Infinity) out.ascii('Infinity');
        else if (value === -Infinity) out.ascii('-Infinity');
        else out.ascii(String(value));
      };
    case 'boolean':
      return (out, value) => {
        if (typeof value !== 'boolean') throw new ValueError(column, `expected a boolean, got ${describe(value)}`);
        out.byte(value ? 0x74 : 0x66); // t, f
      };
    case 'jsonb':
      return (out, value) => {
        // Most executions have no module entries: `[]` without JSON.stringify and a native write.
        if (Array.isArray(value) && value.length === 0) out.bytes(EMPTY_ARRAY);
        else out.utf8(escapeCopyText(encodeJson(column, value)));
      };
    case 'bytea':
      return (out, value) => {
        if (!(value instanceof Uint8Array)) throw new ValueError(column, `expected bytes, got ${describe(value)}`);
        // bytea hex format `\x…`; the backslash itself is escaped for COPY text.
        out.ascii(`\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`);
      };
  }
}

function writeTimestamp(out: JsonBytes, column: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ValueError(column, `expected epoch milliseconds, got ${describe(value)}`);
  }
  if (value < FIRST_MS || value > LAST_MS) throw new ValueError(column, `${value} ms is outside the years 1 to 9999`);
  writeIsoTime(out, value);
}

function writeInteger(out: JsonBytes, column: string, value: unknown, min: number, max: number, what: string): void {
  if (typeof value === 'bigint') {
    if (value < BigInt(min) || value > BigInt(max))
      throw new ValueError(column, `${value} is out of range for ${what}`);
    out.ascii(value.toString());
    return;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ValueError(column, `expected an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new ValueError(column, `${value} is out of range for ${what}`);
  out.numberText(value);
}

/** The text {@link writeField} writes for one value (tests, one-off callers). */
export function encodeField(column: string, type: ColumnType, nullable: boolean, value: unknown): string {
  const out = new JsonBytes(64);
  writeField(out, column, type, nullable, value);
  return out.buffer.toString('utf8', 0, out.length);
}

/**
 * JSON text for a jsonb column: a JS value is serialised; a string is taken as JSON text (the
 * schema's `detail`/`raw` fields) and must parse. jsonb refuses the escape `\u0000` (22P05).
 */
function encodeJson(column: string, value: unknown): string {
  let json: string;
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
    } catch (error) {
      throw new ValueError(column, `is not valid JSON text (${(error as Error).message})`);
    }
    json = value;
  } else {
    // No replacer: it makes JSON.stringify several times slower, and the jsonb columns hold Avro
    // arrays, maps and records of strings and numbers only.
    json = JSON.stringify(value);
  }
  if (json.includes('\\u0000') || json.includes('\u0000')) {
    throw new ValueError(column, 'contains a NUL character (U+0000), which jsonb cannot hold');
  }
  return json;
}
