/**
 * ArcSight Common Event Format (CEF 0):
 * `CEF:0|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension`.
 *
 * Escaping differs between header and extension (CEF Implementation Standard; the Logstash codec
 * follows it): in header fields `\` and `|` are escaped with a backslash and line breaks become a
 * space (they are not allowed there); in extension values `\` and `=` are escaped and line breaks
 * are written `\n` / `\r`; extension keys are alphanumeric. Values longer than the dictionary's
 * limit for their key are cut and marked (see truncate.ts).
 */
import { truncateCharacters } from './truncate.js';

/** One CEF event. */
export interface CefEvent {
  readonly deviceVendor: string;
  readonly deviceProduct: string;
  readonly deviceVersion: string;
  /** Device Event Class ID: identifies the kind of event (a signature). */
  readonly signatureId: string;
  /** Human-readable description of the event class. */
  readonly name: string;
  /** 0 (lowest) to 10 (highest). */
  readonly severity: number;
  /** Extension pairs in order; undefined and null values are left out. */
  readonly extension: ReadonlyArray<readonly [key: string, value: string | number | null | undefined]>;
}

/** Longest header field we write (the standard sets none; 1023 keeps receivers happy). */
const HEADER_FIELD_LIMIT = 1023;
/** Limit for extension keys the dictionary does not list. */
const DEFAULT_EXTENSION_LIMIT = 1023;

/** Maximum lengths of the extension keys makestream writes (CEF Implementation Standard dictionary). */
export const cefExtensionLimits: Readonly<Record<string, number>> = {
  act: 63,
  outcome: 63,
  msg: 1023,
  reason: 1023,
  cat: 1023,
  app: 31,
  suser: 1023,
  suid: 1023,
  shost: 1023,
  dhost: 1023,
  request: 1023,
  requestContext: 2048,
  externalId: 40,
  deviceExternalId: 255,
  dvchost: 100,
  dtz: 255,
  cs1: 4000,
  cs2: 4000,
  cs3: 4000,
  cs4: 4000,
  cs5: 4000,
  cs6: 4000,
};

const HEADER_SPECIAL = /[\\|\r\n]/;
const EXTENSION_SPECIAL = /[\\=\n\r]/;
const extensionKeys = new Map<string, string>();

/** A header field: `\` → `\\`, `|` → `\|`, line breaks → space; cut at 1023 characters. */
export function escapeCefHeader(value: string): string {
  // Fast path (most fields): nothing to replace, nothing to cut.
  if (value.length <= HEADER_FIELD_LIMIT && !HEADER_SPECIAL.test(value)) return value;
  const flat = truncateCharacters(value.replace(/\r\n|[\r\n]/g, ' '), HEADER_FIELD_LIMIT);
  return flat.replace(/[\\|]/g, (character) => `\\${character}`);
}

/** An extension value: `\` → `\\`, `=` → `\=`, LF → `\n`, CR → `\r`. */
export function escapeCefExtensionValue(value: string): string {
  const first = value.search(EXTENSION_SPECIAL);
  if (first === -1) return value;
  // One pass from the first special character, copying the runs between them (bench/siem: faster
  // than four replaces or a replace callback).
  let escaped = '';
  let start = 0;
  for (let index = first; index < value.length; index++) {
    const code = value.charCodeAt(index);
    const replacement =
      code === 0x5c ? '\\\\' : code === 0x3d ? '\\=' : code === 0x0a ? '\\n' : code === 0x0d ? '\\r' : undefined;
    if (replacement === undefined) continue;
    escaped += value.slice(start, index) + replacement;
    start = index + 1;
  }
  return escaped + value.slice(start);
}

/** An extension key: only `[A-Za-z0-9]` survive (as in Logstash's encoder). */
export function cefExtensionKey(key: string): string {
  let cleaned = extensionKeys.get(key);
  if (cleaned === undefined) {
    cleaned = key.replace(/[^A-Za-z0-9]/g, '');
    // Keys come from code, so the cache stays small; the bound guards against callers that do not.
    if (extensionKeys.size < 1024) extensionKeys.set(key, cleaned);
  }
  return cleaned;
}

/** The severity clamped to an integer 0–10 (receivers reject anything else). */
export function cefSeverity(severity: number): number {
  if (!Number.isFinite(severity)) return 5;
  return Math.min(10, Math.max(0, Math.round(severity)));
}

/** Formats one event as a CEF line (no syslog header, no trailing newline). */
export function formatCef(event: CefEvent): string {
  // String concatenation rather than arrays and join: this runs once per event (bench/siem).
  let line =
    `CEF:0|${escapeCefHeader(event.deviceVendor)}|${escapeCefHeader(event.deviceProduct)}` +
    `|${escapeCefHeader(event.deviceVersion)}|${escapeCefHeader(event.signatureId)}` +
    `|${escapeCefHeader(event.name)}|${cefSeverity(event.severity)}|`;
  let first = true;
  for (const [rawKey, rawValue] of event.extension) {
    if (rawValue === null || rawValue === undefined) continue;
    const key = cefExtensionKey(rawKey);
    if (key === '') continue;
    const limit = cefExtensionLimits[key] ?? DEFAULT_EXTENSION_LIMIT;
    const text = typeof rawValue === 'string' ? rawValue : String(rawValue);
    line += `${first ? '' : ' '}${key}=${escapeCefExtensionValue(truncateCharacters(text, limit))}`;
    first = false;
  }
  return line;
}
