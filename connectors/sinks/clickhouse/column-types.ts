/**
 * Column types of the warehouse tables, rendered and encoded per SQL dialect. A type is a small
 * value, not a SQL string, so that one column list serves the current ClickHouse (DateTime64,
 * LowCardinality, Bool, Map) and the legacy 18.x server of the local stack, and so that every value
 * is checked before it is sent: a row that would not parse is reported alone instead of failing
 * its batch (see `encode.ts`).
 */
import { InvalidRecordError } from '../../../pipeline/errors/index.js';

/** The base kinds a column can have. */
export type ColumnKind =
  | 'String'
  | 'UUID'
  | 'UInt8'
  | 'UInt16'
  | 'UInt32'
  | 'UInt64'
  | 'Int32'
  | 'Int64'
  | 'Float64'
  | 'Bool'
  /** Epoch milliseconds in JS; `DateTime64(3, 'UTC')` in the current dialect. */
  | 'DateTime64'
  | 'ArrayString'
  | 'ArrayUInt64'
  | 'MapString';

/** A column type. */
export interface ColumnType {
  readonly kind: ColumnKind;
  readonly nullable?: boolean;
  /** Dictionary-encode (pays for columns with a few thousand distinct values at most). */
  readonly lowCardinality?: boolean;
}

/** What a server supports; the connector needs the current dialect (ClickHouse >= 23.8). */
export interface Dialect {
  readonly name: 'current' | 'legacy';
  /** `DateTime64(3, 'UTC')` (20.1+); else `DateTime('UTC')` (seconds). */
  readonly dateTime64: boolean;
  /** `LowCardinality` without an experimental setting (19.9+). */
  readonly lowCardinality: boolean;
  /** `Bool` (21.12+); else `UInt8`. */
  readonly bool: boolean;
  /** `Map(K, V)` (21.1+). */
  readonly map: boolean;
  /** Table `TTL` (19.6+). */
  readonly ttl: boolean;
  /** `insert_deduplication_token` (22.2+) and `non_replicated_deduplication_window` (20.x). */
  readonly insertDedupToken: boolean;
}

/** ClickHouse >= 23.8 and chDB. */
export const currentDialect: Dialect = Object.freeze({
  name: 'current',
  dateTime64: true,
  lowCardinality: true,
  bool: true,
  map: true,
  ttl: true,
  insertDedupToken: true,
});

/**
 * ClickHouse 18.16 (Debian's package on the local stack): second-precision time, no TTL, no
 * insert tokens (a re-sent batch is only collapsed by ReplacingMergeTree at merge/FINAL time), no
 * Map. Used to test the HTTP wire path only; production needs {@link currentDialect}.
 */
export const legacyDialect: Dialect = Object.freeze({
  name: 'legacy',
  dateTime64: false,
  lowCardinality: false,
  bool: false,
  map: false,
  ttl: false,
  insertDedupToken: false,
});

const baseSql: Record<ColumnKind, (dialect: Dialect) => string> = {
  String: () => 'String',
  UUID: () => 'UUID',
  UInt8: () => 'UInt8',
  UInt16: () => 'UInt16',
  UInt32: () => 'UInt32',
  UInt64: () => 'UInt64',
  Int32: () => 'Int32',
  Int64: () => 'Int64',
  Float64: () => 'Float64',
  Bool: (d) => (d.bool ? 'Bool' : 'UInt8'),
  DateTime64: (d) => (d.dateTime64 ? "DateTime64(3, 'UTC')" : "DateTime('UTC')"),
  ArrayString: (d) => (d.lowCardinality ? 'Array(LowCardinality(String))' : 'Array(String)'),
  ArrayUInt64: () => 'Array(UInt64)',
  MapString: (d) => {
    if (!d.map) throw new Error('Map columns need ClickHouse >= 21.1 (the current dialect).');
    return 'Map(LowCardinality(String), String)';
  },
};

/** The SQL type of a column in a dialect, e.g. `LowCardinality(Nullable(String))`. */
export function renderType(type: ColumnType, dialect: Dialect): string {
  let sql = baseSql[type.kind](dialect);
  if (type.nullable) sql = `Nullable(${sql})`;
  if (type.lowCardinality && dialect.lowCardinality) sql = `LowCardinality(${sql})`;
  return sql;
}

const unsignedMax: Partial<Record<ColumnKind, number>> = {
  UInt8: 0xff,
  UInt16: 0xffff,
  UInt32: 0xffff_ffff,
  UInt64: Number.MAX_SAFE_INTEGER,
};
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** DateTime64 covers 1900-01-01 to 2299-12-31; DateTime (legacy) 1970 to 2106. */
const timeRange = {
  current: [Date.UTC(1900, 0, 1), Date.UTC(2299, 11, 31, 23, 59, 59, 999)],
  legacy: [0, Date.UTC(2106, 1, 7)],
} as const;

/** Checks one value of a column and returns what goes into the JSON row (see {@link valueEncoder}). */
export type ValueEncoder = (value: unknown) => unknown;

/**
 * The encoder of one column: checks a value against the column type and returns what goes into
 * the JSON row; throws an InvalidRecordError naming the column when the value cannot be stored (the
 * row then fails alone). Made once per column, so that a row costs one small function per value.
 */
export function valueEncoder(type: ColumnType, dialect: Dialect, column: string): ValueEncoder {
  const check = baseEncoder(type, dialect, column);
  return type.nullable
    ? (value) => (value === null || value === undefined ? null : check(value))
    : (value) => {
        if (value === null || value === undefined) throw invalid(column, value, 'a value (the column is not nullable)');
        return check(value);
      };
}

/** {@link valueEncoder} for one value. */
export function encodeValue(type: ColumnType, dialect: Dialect, value: unknown, column: string): unknown {
  return valueEncoder(type, dialect, column)(value);
}

function baseEncoder(type: ColumnType, dialect: Dialect, column: string): ValueEncoder {
  switch (type.kind) {
    case 'String':
      return (value) => {
        if (typeof value !== 'string') throw invalid(column, value, 'a string');
        return value;
      };
    case 'UUID':
      return (value) => {
        if (typeof value !== 'string' || !uuidPattern.test(value)) throw invalid(column, value, 'a UUID');
        return value;
      };
    case 'UInt8':
    case 'UInt16':
    case 'UInt32':
    case 'UInt64': {
      const max = unsignedMax[type.kind] ?? 0;
      return (value) => {
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
          throw invalid(column, value, `an integer from 0 to ${max}`);
        }
        return value;
      };
    }
    case 'Int32':
      return (value) => {
        if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > 0x7fff_ffff) {
          throw invalid(column, value, 'a 32-bit integer');
        }
        return value;
      };
    case 'Int64':
      return (value) => {
        if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(column, value, 'a safe integer');
        return value;
      };
    case 'Float64':
      return (value) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(column, value, 'a finite number');
        return value;
      };
    case 'Bool':
      return (value) => {
        if (typeof value !== 'boolean') throw invalid(column, value, 'a boolean');
        return dialect.bool ? value : value ? 1 : 0;
      };
    case 'DateTime64':
      return timeEncoder(dialect, column);
    case 'ArrayString':
      return (value) => {
        if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
          throw invalid(column, value, 'an array of strings');
        }
        return value;
      };
    case 'ArrayUInt64':
      return (value) => {
        if (!Array.isArray(value) || !value.every((item) => Number.isSafeInteger(item) && (item as number) >= 0)) {
          throw invalid(column, value, 'an array of non-negative integers');
        }
        return value;
      };
    case 'MapString':
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          throw invalid(column, value, 'a string map');
        for (const item of Object.values(value)) {
          if (typeof item !== 'string') throw invalid(column, value, 'a map of strings to strings');
        }
        return value;
      };
  }
}

/**
 * Epoch ms as `YYYY-MM-DD hh:mm:ss.mmm` (UTC): the text every server version parses the same way.
 * A bare number is not: it is read as ticks by some versions and as seconds by others (since
 * https://github.com/ClickHouse/ClickHouse/pull/108091).
 */
function timeEncoder(dialect: Dialect, column: string): ValueEncoder {
  const check = timeChecker(dialect, column);
  const withMilliseconds = dialect.dateTime64;
  return (value) => formatUtc(check(value), withMilliseconds);
}

/**
 * The check of a time column without the formatting: returns the epoch ms, or throws the
 * InvalidRecordError that {@link valueEncoder} throws for the value (the byte writer of
 * `cell-writers.ts` formats the time itself).
 */
export function timeChecker(dialect: Dialect, column: string): (value: unknown) => number {
  const [low, high] = timeRange[dialect.dateTime64 ? 'current' : 'legacy'];
  return (value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < low || value > high) {
      throw invalid(
        column,
        value,
        `epoch milliseconds from ${new Date(low).toISOString()} to ${new Date(high).toISOString()}`,
      );
    }
    return value;
  };
}

const dayMs = 86_400_000;
const twoDigits = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const threeDigits = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
const dates = new Map<number, string>();

/**
 * `YYYY-MM-DD hh:mm:ss[.mmm]` of epoch ms in UTC. Equal to the first 23 (19) characters of
 * `toISOString()` with a space for the `T`, at a fraction of its cost (it runs three times per
 * row): the date part is cached per day, the time of day is integer arithmetic.
 */
export function formatUtc(ms: number, withMilliseconds: boolean): string {
  const day = Math.floor(ms / dayMs);
  let date = dates.get(day);
  if (date === undefined) {
    if (dates.size >= 4096) dates.clear();
    date = new Date(day * dayMs).toISOString().slice(0, 10);
    dates.set(day, date);
  }
  let rest = ms - day * dayMs;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const time = `${date} ${twoDigits[hours]}:${twoDigits[minutes]}:${twoDigits[seconds]}`;
  return withMilliseconds ? `${time}.${threeDigits[rest - seconds * 1000]}` : time;
}

function invalid(column: string, value: unknown, expected: string): InvalidRecordError {
  const shown = JSON.stringify(value) ?? String(value);
  return new InvalidRecordError(
    `Column ${column}: ${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown} is not ${expected}; fix the producer of this record (it was not written).`,
    { stage: 'sending', component: 'sinks.clickhouse' },
  );
}
