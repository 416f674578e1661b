/**
 * Encoding of values into PostgreSQL's COPY text format (one row per line, columns separated by a
 * tab, `\N` for NULL, backslash escapes), with the checks PostgreSQL would otherwise make for the
 * whole batch. A value that PostgreSQL would refuse (a NUL character in text, a timestamp outside
 * years 1–9999, a number outside its column's range, JSON text that does not parse) is refused
 * here, for its own item, so that one bad record never fails the COPY of its batch.
 *
 * Format reference: https://www.postgresql.org/docs/15/sql-copy.html ("Text Format").
 */
import { createIsoTimeFormatter } from '../../../pipeline/sink/iso-time.js';

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

/** toISOString with a per-day cache: several timestamps per row made toISOString the row's top cost. */
const isoTime = createIsoTimeFormatter();

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

function integer(column: string, value: unknown, min: number, max: number, what: string): string {
  if (typeof value === 'bigint') {
    if (value < BigInt(min) || value > BigInt(max))
      throw new ValueError(column, `${value} is out of range for ${what}`);
    return value.toString();
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ValueError(column, `expected an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new ValueError(column, `${value} is out of range for ${what}`);
  return String(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return String(value);
  return typeof value;
}

/**
 * Encodes one value for a column of `type`; `null`/`undefined` become `\N` when the column allows
 * NULL. Throws ValueError (naming `column`) for a value PostgreSQL would refuse.
 */
export function encodeField(column: string, type: ColumnType, nullable: boolean, value: unknown): string {
  if (value === null || value === undefined) {
    if (!nullable) throw new ValueError(column, 'is required but missing');
    return NULL_FIELD;
  }
  switch (type) {
    case 'timestamptz': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new ValueError(column, `expected epoch milliseconds, got ${describe(value)}`);
      }
      if (value < FIRST_MS || value > LAST_MS) {
        throw new ValueError(column, `${value} ms is outside the years 1 to 9999`);
      }
      return isoTime(value);
    }
    case 'uuid':
      if (typeof value !== 'string' || !UUID.test(value))
        throw new ValueError(column, `expected a UUID, got ${describe(value)}`);
      return value;
    case 'text':
      if (typeof value !== 'string') throw new ValueError(column, `expected a string, got ${describe(value)}`);
      return escapeCopyText(checkText(column, value));
    case 'bigint':
      // Avro longs arrive as JS numbers: beyond 2^53 they are already imprecise, so refuse them.
      return integer(column, value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'a safe integer');
    case 'integer':
      return integer(column, value, -2_147_483_648, 2_147_483_647, 'integer (32 bits)');
    case 'double precision':
      if (typeof value !== 'number') throw new ValueError(column, `expected a number, got ${describe(value)}`);
      if (Number.isNaN(value)) return 'NaN';
      if (value === Infinity) return 'Infinity';
      if (value === -Infinity) return '-Infinity';
      return String(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw new ValueError(column, `expected a boolean, got ${describe(value)}`);
      return value ? 't' : 'f';
    case 'jsonb':
      return escapeCopyText(encodeJson(column, value));
    case 'bytea':
      if (!(value instanceof Uint8Array)) throw new ValueError(column, `expected bytes, got ${describe(value)}`);
      // bytea hex format `\x…`; the backslash itself is escaped for COPY text.
      return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  }
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
