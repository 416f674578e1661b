/**
 * Length limits of the SIEM formats. Protocols cap field and message lengths; a value over its cap is
 * cut and marked, never dropped or split into a second event silently. The marker is part of the
 * limit, and a cut never splits a UTF-16 surrogate pair (characters) or a UTF-8 sequence (bytes).
 */

/** Appended to a value that was cut to fit its limit. */
export const TRUNCATION_MARKER = '…[truncated]';

/** `value` cut to at most `maxCharacters` characters (UTF-16 code units), marked when cut. */
export function truncateCharacters(value: string, maxCharacters: number): string {
  if (value.length <= maxCharacters) return value;
  const keep = Math.max(0, maxCharacters - TRUNCATION_MARKER.length);
  let end = keep;
  // Do not leave half a surrogate pair behind.
  if (end > 0 && isHighSurrogate(value.charCodeAt(end - 1))) end -= 1;
  return value.slice(0, end) + TRUNCATION_MARKER.slice(0, maxCharacters - end);
}

/** `value` cut to at most `maxBytes` bytes of UTF-8, marked when cut (the marker is 14 bytes). */
export function truncateUtf8(value: string, maxBytes: number): string {
  // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4): short values
  // fit without counting (the common case on every sink).
  if (value.length * 3 <= maxBytes || Buffer.byteLength(value, 'utf8') <= maxBytes) return value;
  const marker = Buffer.from(TRUNCATION_MARKER, 'utf8');
  const budget = Math.max(0, maxBytes - marker.length);
  const bytes = Buffer.from(value, 'utf8');
  let end = Math.min(budget, bytes.length);
  // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  const kept = bytes.subarray(0, end).toString('utf8');
  return maxBytes >= marker.length ? kept + TRUNCATION_MARKER : kept;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
