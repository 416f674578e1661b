/**
 * Quoted UTC times written into JSON bytes (`JsonBytes`), for sinks that write one or more times per
 * row: the date part comes from a per-day cache of its bytes (most times of a batch fall on the day
 * of the one before, which skips even the map lookup), the time of day is integer arithmetic. The
 * text is that of `toISOString()` with the chosen separator, milliseconds and zone suffix; callers
 * keep to the years toISOString writes with four digits (1970–9999 for the search sink, the range
 * their own checks allow for ClickHouse, 1–9999 for PostgreSQL: days before 1970 work the same way).
 */
import type { JsonBytes } from './json-bytes.js';

/** The text a writer produces, e.g. `"2026-11-28T01:02:03.004Z"` or `"2026-11-28 01:02:03"`. */
export interface TimeBytesFormat {
  /** Between date and time: `T` (ISO 8601) or a space (ClickHouse's DateTime text). */
  readonly separator: 'T' | ' ';
  /** `.mmm` after the seconds. */
  readonly milliseconds: boolean;
  /** `Z` at the end. */
  readonly zulu: boolean;
  /** In double quotes (JSON, the default); false for bare text (PostgreSQL's COPY text). */
  readonly quoted?: boolean;
}

/** Appends the time of epoch ms `ms` (quoted unless the format says otherwise). */
export type TimeBytesWriter = (out: JsonBytes, ms: number) => void;

const DAY_MS = 86_400_000;
const DIGIT_0 = 0x30;
/** Days kept per writer before the cache is cleared. */
const MAX_DAYS = 4096;

/** A writer with its own day cache. */
export function createTimeBytesWriter({
  separator,
  milliseconds,
  zulu,
  quoted = true,
}: TimeBytesFormat): TimeBytesWriter {
  const prefixes = new Map<number, Uint8Array>();
  let lastDay = Number.NaN;
  let lastPrefix: Uint8Array | undefined;
  const quote = quoted ? '"' : '';
  /** hh:mm:ss, then .mmm, Z and the closing quote. */
  const tailBytes = 8 + (milliseconds ? 4 : 0) + (zulu ? 1 : 0) + 1;
  return (out, ms) => {
    const day = Math.floor(ms / DAY_MS);
    let prefix = day === lastDay ? lastPrefix : prefixes.get(day);
    if (prefix === undefined) {
      if (prefixes.size >= MAX_DAYS) prefixes.clear();
      prefix = Buffer.from(`${quote}${new Date(day * DAY_MS).toISOString().slice(0, 10)}${separator}`, 'latin1');
      prefixes.set(day, prefix);
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
    out.reserve(tailBytes);
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
    if (milliseconds) {
      buffer[p++] = 0x2e; // .
      buffer[p++] = DIGIT_0 + Math.floor(millis / 100);
      buffer[p++] = DIGIT_0 + (Math.floor(millis / 10) % 10);
      buffer[p++] = DIGIT_0 + (millis % 10);
    }
    if (zulu) buffer[p++] = 0x5a; // Z
    if (quoted) buffer[p++] = 0x22; // "
    out.length = p;
  };
}
