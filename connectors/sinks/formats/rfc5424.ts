/**
 * RFC 5424 syslog messages:
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.
 *
 * - PRI = facility × 8 + severity, no leading zeros.
 * - TIMESTAMP in UTC with milliseconds and `Z` (RFC 3339 subset), or `-`.
 * - Header fields are printable US-ASCII (33–126) with maximum lengths (HOSTNAME 255, APP-NAME 48,
 *   PROCID 128, MSGID 32): other characters become `_`, longer values are cut; an empty one is `-`.
 * - SD-IDs and PARAM-NAMEs are 1–32 printable characters other than `=`, space, `]` and `"`;
 *   PARAM-VALUEs escape `"`, `\` and `]` with a backslash (nothing else).
 * - MSG is UTF-8; the BOM the RFC asks for is optional because many receivers show it as junk.
 */

/** Syslog severities (RFC 5424 §6.2.1). */
export const syslogSeverity = {
  emergency: 0,
  alert: 1,
  critical: 2,
  error: 3,
  warning: 4,
  notice: 5,
  informational: 6,
  debug: 7,
} as const;

/** Syslog facilities makestream uses (user, and local0–local7). */
export const syslogFacility = {
  user: 1,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

/** One structured-data element: `[id name="value" ...]`. */
export interface StructuredDataElement {
  /** SD-ID; private ids carry an enterprise number, e.g. `make@32473`. */
  readonly id: string;
  readonly params: ReadonlyArray<readonly [name: string, value: string | number | null | undefined]>;
}

/** One RFC 5424 message. */
export interface Rfc5424Message {
  /** 0–23. */
  readonly facility: number;
  /** 0 (emergency) to 7 (debug). */
  readonly severity: number;
  /** Epoch milliseconds, or null for `-`. */
  readonly timestamp: number | null;
  readonly hostname?: string | null;
  readonly appName?: string | null;
  readonly procId?: string | null;
  readonly msgId?: string | null;
  readonly structuredData?: readonly StructuredDataElement[];
  readonly message?: string | null;
}

/** Options of {@link formatRfc5424}. */
export interface Rfc5424Options {
  /** Start MSG with the UTF-8 BOM, as the RFC asks (default false: many receivers show it as junk). */
  readonly byteOrderMark?: boolean;
}

/** PRI value for a facility and severity; throws outside the RFC's ranges. */
export function priority(facility: number, severity: number): number {
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) {
    throw new RangeError(`syslog facility ${facility} is outside 0–23`);
  }
  if (!Number.isInteger(severity) || severity < 0 || severity > 7) {
    throw new RangeError(`syslog severity ${severity} is outside 0–7`);
  }
  return facility * 8 + severity;
}

const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;
const PARAM_SPECIAL = /["\\\]]/;
const sdNames = new Map<string, string>();

/** A header field: printable US-ASCII only (others → `_`), cut at `maxLength`, `-` when empty. */
export function headerField(value: string | null | undefined, maxLength: number): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value.length <= maxLength && PRINTABLE_ASCII.test(value)) return value;
  const printable = value.replace(/[^\x21-\x7e]/g, '_').slice(0, maxLength);
  return printable === '' ? '-' : printable;
}

/** An SD-NAME (SD-ID or PARAM-NAME): printable ASCII except `=`, space, `]`, `"`; 1–32 characters. */
export function sdName(value: string): string {
  let name = sdNames.get(value);
  if (name === undefined) {
    name = value.replace(/[^\x21-\x7e]|[= \]"]/g, '_').slice(0, 32);
    if (name === '') name = '_';
    // Names come from code, so the cache stays small; the bound guards against callers that do not.
    if (sdNames.size < 1024) sdNames.set(value, name);
  }
  return name;
}

/** A PARAM-VALUE: `"`, `\` and `]` escaped with a backslash. */
export function escapeParamValue(value: string): string {
  if (!PARAM_SPECIAL.test(value)) return value;
  // `$&` is the match: a backslash before it, without a callback per match.
  return value.replace(/["\\\]]/g, '\\$&');
}

/** RFC 3339 timestamp in UTC with milliseconds, e.g. `2026-11-27T13:05:00.123Z`. */
export function rfc3339(timestamp: number): string {
  return new Date(timestamp).toISOString();
}

/** The STRUCTURED-DATA part (`-` when there is none). */
export function formatStructuredData(elements: readonly StructuredDataElement[] = []): string {
  let written = '';
  for (const element of elements) {
    written += `[${sdName(element.id)}`;
    for (const [name, value] of element.params) {
      if (value === null || value === undefined) continue;
      written += ` ${sdName(name)}="${escapeParamValue(typeof value === 'string' ? value : String(value))}"`;
    }
    written += ']';
  }
  return written === '' ? '-' : written;
}

/** Formats one RFC 5424 message (no framing, no trailing newline). */
export function formatRfc5424(message: Rfc5424Message, options: Rfc5424Options = {}): string {
  const header =
    `<${priority(message.facility, message.severity)}>1 ` +
    `${message.timestamp === null ? '-' : rfc3339(message.timestamp)} ${headerField(message.hostname, 255)} ` +
    `${headerField(message.appName, 48)} ${headerField(message.procId, 128)} ${headerField(message.msgId, 32)} ` +
    formatStructuredData(message.structuredData);
  if (message.message === null || message.message === undefined) return header;
  return `${header} ${options.byteOrderMark ? '\uFEFF' : ''}${message.message}`;
}
