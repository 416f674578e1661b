/**
 * Standard Webhooks 1.0 symmetric signatures (https://www.standardwebhooks.com, spec
 * `spec/standard-webhooks.md`), as Make's event subscriptions send them:
 * `v1,<base64 HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{raw body}")>`, several
 * space-separated signatures allowed, key = base64-decoded secret after `whsec_`.
 *
 * Written on node:crypto rather than with the `standardwebhooks` package (which the tests use as a
 * cross-check): the package reads `Date.now()` (no injected clock), has a fixed 5-minute tolerance,
 * decodes the body as UTF-8 text before signing (the spec signs the raw bytes), accepts timestamps
 * like "123abc", and hashes in JavaScript (fast-sha256), several times slower than OpenSSL.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Why a delivery was refused; never sent to the client (401 only), kept for metrics and logs. */
export type SignatureFailure =
  'missing_headers' | 'invalid_timestamp' | 'stale_timestamp' | 'future_timestamp' | 'no_matching_signature';

/** Request headers with lowercase names, as Node gives them; `webhook-id`, `webhook-timestamp` and `webhook-signature` are read. */
export type SignatureHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** The outcome of {@link SignatureVerifier.verify}. */
export type SignatureVerdict =
  | { readonly ok: true; readonly webhookId: string; readonly timestampSeconds: number }
  | { readonly ok: false; readonly reason: SignatureFailure };

/** Verifies deliveries against a fixed set of keys. */
export interface SignatureVerifier {
  verify(body: Buffer, headers: SignatureHeaders): SignatureVerdict;
}

/** Options of {@link createSignatureVerifier}. */
export interface SignatureVerifierOptions {
  /** Decoded keys (see {@link decodeStandardWebhooksSecret}); a signature by any of them is accepted. */
  readonly keys: readonly Buffer[];
  /** Largest clock difference accepted, both ways (seconds). */
  readonly toleranceSeconds: number;
  /** Epoch-ms clock. */
  readonly clock: () => number;
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
const DIGEST_BYTES = 32;

/** The key of a `whsec_…` secret (the prefix is optional); throws when it is not base64 or empty. */
export function decodeStandardWebhooksSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) {
    throw new Error('the secret is not a Standard Webhooks secret ("whsec_" followed by base64)');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('the secret decodes to an empty key');
  return key;
}

/** The `v1,<base64>` signature of a delivery (senders, tests and the benchmark). */
export function signStandardWebhook(
  key: Buffer,
  webhookId: string,
  timestampSeconds: number,
  body: Buffer | string,
): string {
  return `v1,${digest(key, webhookId, String(timestampSeconds), body).toString('base64')}`;
}

/** A verifier over `options.keys`; constant-time comparison of every candidate. */
export function createSignatureVerifier(options: SignatureVerifierOptions): SignatureVerifier {
  const { toleranceSeconds, clock } = options;
  // Imported once: createHmac with a raw Buffer imports the key again on every call.
  const keys = options.keys.map((key) => createSecretKey(key));
  return {
    verify(body, headers) {
      const webhookId = single(headers['webhook-id']);
      const timestamp = single(headers['webhook-timestamp']);
      const signatures = single(headers['webhook-signature']);
      if (!webhookId || !timestamp || !signatures) return { ok: false, reason: 'missing_headers' };
      if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: 'invalid_timestamp' };
      const timestampSeconds = Number(timestamp);
      const nowSeconds = Math.floor(clock() / 1000);
      if (nowSeconds - timestampSeconds > toleranceSeconds) return { ok: false, reason: 'stale_timestamp' };
      if (timestampSeconds - nowSeconds > toleranceSeconds) return { ok: false, reason: 'future_timestamp' };

      const candidates = candidateDigests(signatures);
      if (candidates.length === 0) return { ok: false, reason: 'no_matching_signature' };
      for (const key of keys) {
        const expected = digest(key, webhookId, timestamp, body);
        // Every candidate is compared (no early exit on the first mismatch) in constant time.
        if (candidates.some((candidate) => timingSafeEqual(candidate, expected))) {
          return { ok: true, webhookId, timestampSeconds };
        }
      }
      return { ok: false, reason: 'no_matching_signature' };
    },
  };
}

function digest(key: Buffer | KeyObject, webhookId: string, timestamp: string, body: Buffer | string): Buffer {
  return createHmac('sha256', key).update(`${webhookId}.${timestamp}.`).update(body).digest();
}

/** The 32-byte digests of the `v1,` entries; other versions (`v1a`, `v2`) and malformed entries are skipped. */
function candidateDigests(header: string): Buffer[] {
  const found: Buffer[] = [];
  for (const entry of header.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const encoded = entry.slice(comma + 1);
    if (!BASE64.test(encoded)) continue;
    const decoded = Buffer.from(encoded, 'base64');
    if (decoded.length === DIGEST_BYTES) found.push(decoded);
  }
  return found;
}

/** A header sent once; a repeated header is refused (ambiguous which one was signed). */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
