/**
 * Authentication of execution reports (`POST /v1/executions`): each configured sender proves itself
 * with a bearer token or an HMAC-SHA256 of the raw body. Make adds no signature of its own to HTTP
 * modules, so the scenario builder computes it (Make's `sha256(body; "hex"; key)` function).
 * Comparisons are constant-time; a request that matches no sender gets a bare 401.
 */
import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';
import type { ResolvedSender } from './secrets.js';

/** Request headers as Node gives them (lowercase names). */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Finds the sender a request authenticates as, or undefined. */
export type SenderAuthenticator = (headers: RequestHeaders, body: Buffer) => ResolvedSender | undefined;

/** The authenticator over `senders` (tried in order). */
export function createSenderAuthenticator(senders: readonly ResolvedSender[]): SenderAuthenticator {
  // Tokens are compared through their SHA-256, so lengths never leak through timing.
  const bearerDigests = new Map(
    senders.map((sender) => [sender, sender.auth.kind === 'bearer' ? sender.auth.tokens.map(sha256) : []] as const),
  );
  return (headers, body) => {
    for (const sender of senders) {
      const auth = sender.auth;
      if (auth.kind === 'bearer') {
        const token = bearerToken(headers.authorization);
        if (token === undefined) continue;
        const presented = sha256(token);
        for (const expected of bearerDigests.get(sender)!) if (timingSafeEqual(presented, expected)) return sender;
      } else {
        const presented = presentedDigest(headers[auth.header], auth.encoding);
        if (presented === undefined) continue;
        for (const key of auth.keys) {
          if (timingSafeEqual(presented, createHmac('sha256', key).update(body).digest())) return sender;
        }
      }
    }
    return undefined;
  };
}

/** `sha256=<digest>` or `<digest>`, hex or base64; undefined unless it decodes to 32 bytes. */
function presentedDigest(value: string | string[] | undefined, encoding: 'hex' | 'base64'): Buffer | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim().replace(/^sha256=/i, '');
  const valid = encoding === 'hex' ? /^[0-9a-fA-F]{64}$/.test(text) : /^[A-Za-z0-9+/]{43}=?$/.test(text);
  return valid ? Buffer.from(text, encoding) : undefined;
}

function bearerToken(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

/** One-shot `crypto.hash` where Node has it (>= 20.12): no Hash object per request. Strings hash as UTF-8. */
function sha256(value: Buffer | string): Buffer {
  return typeof hash === 'function'
    ? (hash('sha256', value, 'buffer') as unknown as Buffer)
    : createHash('sha256').update(value).digest();
}
