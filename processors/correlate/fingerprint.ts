/**
 * Error fingerprints: the same failure gives the same fingerprint in every execution and scenario.
 * The message is normalised first: what varies between occurrences of one failure (ids, numbers,
 * UUIDs, URLs, e-mail addresses, IP addresses, times, quoted values) is replaced by a placeholder;
 * what tells failures apart is kept (the words, the HTTP status `[503]`, redaction markers).
 *
 * fingerprint = first 32 hex digits of SHA-256 over `JSON.stringify([errorName, normalisedMessage,
 * causeModuleApp ?? ""])`, so any language can recompute it.
 */
import { createHash } from 'node:crypto';

/** What a fingerprint is computed from. */
export interface FingerprintInput {
  readonly errorName: string;
  /** The message as normalised by {@link normaliseMessage}. */
  readonly normalisedMessage: string;
  readonly causeModuleApp: string | null;
}

/** Replacements in order: earlier ones protect their matches from later, broader ones. */
const NORMALISATIONS: readonly (readonly [RegExp, string])[] = [
  [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g, '<email>'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, '<url>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g, '<time>'],
  [/\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\b/g, '<time>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g, '<ip>'],
  [/'[^'\n]{0,200}'|"[^"\n]{0,200}"|`[^`\n]{0,200}`|‘[^’\n]{0,200}’|“[^”\n]{0,200}”/g, '<value>'],
  // Ids: hex runs of 8+ with a digit, and words that mix letters and digits (msg_2b8Zx1, order-48213).
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<id>'],
  [/\b(?=[\w-]*[A-Za-z])(?=[\w-]*\d)[\w-]*\w\b/g, '<id>'],
  // Numbers, but not the HTTP status in brackets that apps put first ([429], [503]).
  [/(?<!\[)-?\b\d+(?:[.,]\d+)*\b(?!\])/g, '<n>'],
  [/\s+/g, ' '],
];

/** The message with its variable parts replaced by placeholders. */
export function normaliseMessage(message: string): string {
  let result = message;
  for (const [pattern, placeholder] of NORMALISATIONS) result = result.replace(pattern, placeholder);
  return result.trim();
}

/** The fingerprint of an error (32 lowercase hex digits). */
export function errorFingerprint(input: FingerprintInput): string {
  return createHash('sha256')
    .update(JSON.stringify([input.errorName.trim(), input.normalisedMessage, input.causeModuleApp ?? '']))
    .digest('hex')
    .slice(0, 32);
}
