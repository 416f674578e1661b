/**
 * RFC 3164 (BSD) syslog messages: `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: CONTENT`.
 *
 * The timestamp has no year and no zone: makestream writes UTC (say so to the receiver's
 * operators). The day is space-padded (`Nov  7`). TAG is at most 32 alphanumeric characters. The
 * whole message is at most 1024 bytes: CONTENT is cut (and marked) to fit, never the header.
 */
import { priority } from './rfc5424.js';
import { truncateUtf8 } from './truncate.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** The protocol's packet limit. */
export const RFC3164_MAX_BYTES = 1024;

/** One RFC 3164 message. */
export interface Rfc3164Message {
  readonly facility: number;
  readonly severity: number;
  /** Epoch milliseconds (written in UTC, without year). */
  readonly timestamp: number;
  readonly hostname: string;
  /** Program name: cut to 32 alphanumeric characters. */
  readonly tag: string;
  readonly pid?: number | string | null;
  readonly content: string;
}

/** `Mmm dd hh:mm:ss` in UTC with a space-padded day. */
export function bsdTimestamp(timestamp: number): string {
  const date = new Date(timestamp);
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
  );
}

/** Formats one message of at most `maxBytes` (default 1024) bytes; line breaks in CONTENT become spaces. */
export function formatRfc3164(message: Rfc3164Message, maxBytes = RFC3164_MAX_BYTES): string {
  const hostname = message.hostname.replace(/[^\x21-\x7e]/g, '_') || '-';
  const tag = message.tag.replace(/[^A-Za-z0-9]/g, '').slice(0, 32) || 'makestream';
  const pid = message.pid === null || message.pid === undefined ? '' : `[${String(message.pid).replace(/\D/g, '')}]`;
  const header = `<${priority(message.facility, message.severity)}>${bsdTimestamp(message.timestamp)} ${hostname} ${tag}${pid}: `;
  const content = message.content.replace(/\r\n|[\r\n]/g, ' ');
  return header + truncateUtf8(content, Math.max(0, maxBytes - Buffer.byteLength(header, 'utf8')));
}
