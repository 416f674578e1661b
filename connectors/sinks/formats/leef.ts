/**
 * IBM QRadar Log Event Extended Format, version 2.0:
 * `LEEF:2.0|Vendor|Product|Version|EventID|<delimiter>|key=value<delimiter>key=value…`.
 *
 * The delimiter is declared in the header (a single character, or `x..` hex); makestream uses `^`
 * by default (QRadar's own example) and tab is common. In header fields `|` and `\` are escaped with
 * a backslash; in attribute values `\`, the delimiter and line breaks (`\n`, `\r`) are escaped with a
 * backslash, so a value can never end an attribute early. Keys are alphanumeric (plus `_`).
 */
import { truncateCharacters } from './truncate.js';

/** One LEEF 2.0 event. */
export interface LeefEvent {
  readonly vendor: string;
  readonly product: string;
  readonly version: string;
  readonly eventId: string;
  /** Attributes in order; undefined and null values are left out. */
  readonly attributes: ReadonlyArray<readonly [key: string, value: string | number | null | undefined]>;
}

/** Options of {@link formatLeef}. */
export interface LeefOptions {
  /** Attribute delimiter: one character other than `\`, `=`, `|`, CR and LF (default `^`). */
  readonly delimiter?: string;
  /** Longest attribute value in characters before it is cut and marked (default 4000). */
  readonly maxValueLength?: number;
}

const HEADER_SPECIAL = /[\\|\r\n]/;
const VALUE_SPECIAL = /[\\\n\r]/;
const attributeKeys = new Map<string, string>();
let checkedDelimiter: string | undefined;

function attributeKey(rawKey: string): string {
  let key = attributeKeys.get(rawKey);
  if (key === undefined) {
    key = rawKey.replace(/[^A-Za-z0-9_]/g, '');
    if (attributeKeys.size < 1024) attributeKeys.set(rawKey, key);
  }
  return key;
}

/** A header field: `\` → `\\`, `|` → `\|`, line breaks → space. */
export function escapeLeefHeader(value: string): string {
  if (!HEADER_SPECIAL.test(value)) return value;
  return value.replace(/\r\n|[\r\n]/g, ' ').replace(/[\\|]/g, (character) => `\\${character}`);
}

/** An attribute value: `\`, the delimiter, LF and CR escaped with a backslash. */
export function escapeLeefValue(value: string, delimiter: string): string {
  // Fast path (most values): nothing to escape.
  if (!VALUE_SPECIAL.test(value) && !value.includes(delimiter)) return value;
  const unit = delimiter.length === 1 ? delimiter.charCodeAt(0) : -1;
  if (unit !== -1 && (unit < 0xd800 || unit > 0xdfff)) return escapeByUnits(value, unit, delimiter);
  // Astral or lone-surrogate delimiters: compare whole code points, as a reader splitting on them would.
  let escaped = '';
  for (const character of value) {
    if (character === '\\') escaped += '\\\\';
    else if (character === delimiter) escaped += `\\${delimiter}`;
    else if (character === '\n') escaped += '\\n';
    else if (character === '\r') escaped += '\\r';
    else escaped += character;
  }
  return escaped;
}

/**
 * The escape for a delimiter of one UTF-16 unit (not a surrogate): one pass over code units, copying
 * the runs between special characters. Same checks in the same order as the code-point loop.
 */
function escapeByUnits(value: string, unit: number, delimiter: string): string {
  let escaped = '';
  let start = 0;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    const replacement =
      code === 0x5c
        ? '\\\\'
        : code === unit
          ? `\\${delimiter}`
          : code === 0x0a
            ? '\\n'
            : code === 0x0d
              ? '\\r'
              : undefined;
    if (replacement === undefined) continue;
    escaped += value.slice(start, index) + replacement;
    start = index + 1;
  }
  return escaped + value.slice(start);
}

/** The header's delimiter field: printable characters as they are, others as `x<hex>`. */
function delimiterField(delimiter: string): string {
  const code = delimiter.codePointAt(0) ?? 0x5e;
  return code > 0x20 && code < 0x7f ? delimiter : `x${code.toString(16).padStart(2, '0')}`;
}

/** Formats one event as a LEEF 2.0 line (no syslog header, no trailing newline). */
export function formatLeef(event: LeefEvent, options: LeefOptions = {}): string {
  const delimiter = options.delimiter ?? '^';
  if (delimiter !== checkedDelimiter) {
    if ([...delimiter].length !== 1 || /[\\=|\r\n]/.test(delimiter)) {
      throw new Error(`LEEF delimiter "${delimiter}" must be one character other than \\, =, |, CR and LF.`);
    }
    checkedDelimiter = delimiter;
  }
  const maxValueLength = options.maxValueLength ?? 4000;
  let line =
    `LEEF:2.0|${escapeLeefHeader(event.vendor)}|${escapeLeefHeader(event.product)}` +
    `|${escapeLeefHeader(event.version)}|${escapeLeefHeader(event.eventId)}|${delimiterField(delimiter)}|`;
  let first = true;
  for (const [rawKey, rawValue] of event.attributes) {
    if (rawValue === null || rawValue === undefined) continue;
    const key = attributeKey(rawKey);
    if (key === '') continue;
    const text = typeof rawValue === 'string' ? rawValue : String(rawValue);
    line += `${first ? '' : delimiter}${key}=${escapeLeefValue(truncateCharacters(text, maxValueLength), delimiter)}`;
    first = false;
  }
  return line;
}
