import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { createSignatureVerifier, decodeStandardWebhooksSecret, signStandardWebhook } from './signature.js';

/**
 * The published Standard Webhooks test vector: repository standard-webhooks/standard-webhooks,
 * libraries/javascript/src/webhook.test.ts (test "sign function works"; the same tuple is in the
 * other language libraries' suites). The decoys and malformed headers below come from the same
 * file's tests "multi sig payload is valid", "invalid signature throws error" and "partial
 * signature throws error".
 */
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
} as const;
const decoy = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';

const key = decodeStandardWebhooksSecret(vector.secret);
const atVectorTime = () => vector.timestamp * 1000;
const verifier = (options: { keys?: Buffer[]; clock?: () => number; toleranceSeconds?: number } = {}) =>
  createSignatureVerifier({
    keys: options.keys ?? [key],
    toleranceSeconds: options.toleranceSeconds ?? 300,
    clock: options.clock ?? atVectorTime,
  });
const headers = (signature: string, extra: Record<string, string> = {}) => ({
  'webhook-id': vector.id,
  'webhook-timestamp': String(vector.timestamp),
  'webhook-signature': signature,
  ...extra,
});
const payload = Buffer.from(vector.payload);

describe('Standard Webhooks signatures against the published test vector', () => {
  it('signs the vector exactly as published', () => {
    expect(signStandardWebhook(key, vector.id, vector.timestamp, payload)).toBe(vector.signature);
  });

  it('the reference library (standardwebhooks) signs the same vector the same way', () => {
    expect(new Webhook(vector.secret).sign(vector.id, new Date(vector.timestamp * 1000), vector.payload)).toBe(
      vector.signature,
    );
  });

  it('verifies the vector, with or without the whsec_ prefix on the secret', () => {
    expect(verifier().verify(payload, headers(vector.signature))).toEqual({
      ok: true,
      webhookId: vector.id,
      timestampSeconds: vector.timestamp,
    });
    const unprefixed = decodeStandardWebhooksSecret(vector.secret.slice('whsec_'.length));
    expect(verifier({ keys: [unprefixed] }).verify(payload, headers(vector.signature)).ok).toBe(true);
  });

  it('accepts the valid signature among decoys and other versions (space-separated list)', () => {
    const list = [decoy, decoy.replace('v1,', 'v2,'), vector.signature, decoy].join(' ');
    expect(verifier().verify(payload, headers(list)).ok).toBe(true);
  });

  it('refuses invalid and partial signatures of the vector', () => {
    for (const signature of [
      'v1,dawfeoifkpqwoekfpqoekf',
      vector.signature.slice(0, 8),
      'v1,',
      decoy,
      vector.signature.replace('v1,', 'v2,'),
    ]) {
      expect(verifier().verify(payload, headers(signature))).toEqual({ ok: false, reason: 'no_matching_signature' });
    }
  });

  it('refuses the vector with one byte of the payload, the id or the timestamp changed', () => {
    expect(verifier().verify(Buffer.from('{"test": 2432232315}'), headers(vector.signature)).ok).toBe(false);
    expect(verifier().verify(payload, headers(vector.signature, { 'webhook-id': `${vector.id}x` })).ok).toBe(false);
    expect(
      verifier().verify(payload, headers(vector.signature, { 'webhook-timestamp': String(vector.timestamp + 1) })).ok,
    ).toBe(false);
  });

  it('refuses missing headers and malformed timestamps', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const partial: Record<string, string> = headers(vector.signature);
      delete partial[name];
      expect(verifier().verify(payload, partial)).toEqual({ ok: false, reason: 'missing_headers' });
    }
    for (const timestamp of ['hello', '1614265330abc', '-1614265330', '1614265330.5']) {
      expect(verifier().verify(payload, headers(vector.signature, { 'webhook-timestamp': timestamp }))).toEqual({
        ok: false,
        reason: 'invalid_timestamp',
      });
    }
    expect(verifier().verify(payload, { ...headers(vector.signature), 'webhook-id': [vector.id, vector.id] }).ok).toBe(
      false,
    );
  });

  it('enforces the tolerance both ways, to the second', () => {
    const at = (offsetSeconds: number) => () => (vector.timestamp + offsetSeconds) * 1000;
    expect(verifier({ clock: at(300) }).verify(payload, headers(vector.signature)).ok).toBe(true);
    expect(verifier({ clock: at(301) }).verify(payload, headers(vector.signature))).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifier({ clock: at(-300) }).verify(payload, headers(vector.signature)).ok).toBe(true);
    expect(verifier({ clock: at(-301) }).verify(payload, headers(vector.signature))).toEqual({
      ok: false,
      reason: 'future_timestamp',
    });
    expect(verifier({ clock: at(3600), toleranceSeconds: 3600 }).verify(payload, headers(vector.signature)).ok).toBe(
      true,
    );
  });

  it('accepts any of several secrets (rotation)', () => {
    const other = randomBytes(32);
    expect(verifier({ keys: [other, key] }).verify(payload, headers(vector.signature)).ok).toBe(true);
    expect(verifier({ keys: [other] }).verify(payload, headers(vector.signature)).ok).toBe(false);
  });

  it('agrees with the reference library on random deliveries, both directions', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const library = new Webhook(secret);
    const ours = createSignatureVerifier({
      keys: [decodeStandardWebhooksSecret(secret)],
      toleranceSeconds: 300,
      clock: Date.now,
    });
    for (let round = 0; round < 20; round += 1) {
      const body = JSON.stringify({ type: 'scenario.created', n: randomBytes(8).toString('hex') });
      const id = `msg_${randomBytes(6).toString('hex')}`;
      const now = new Date();
      const theirs = library.sign(id, now, body);
      const seconds = Math.floor(now.getTime() / 1000);
      expect(signStandardWebhook(decodeStandardWebhooksSecret(secret), id, seconds, body)).toBe(theirs);
      const delivered = { 'webhook-id': id, 'webhook-timestamp': String(seconds), 'webhook-signature': theirs };
      expect(ours.verify(Buffer.from(body), delivered).ok).toBe(true);
      expect(library.verify(body, delivered)).toEqual(JSON.parse(body));
    }
  });

  it('signs the raw bytes, also when they are not valid UTF-8', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const signature = signStandardWebhook(key, vector.id, vector.timestamp, bytes);
    expect(verifier().verify(bytes, headers(signature)).ok).toBe(true);
    expect(verifier().verify(Buffer.from(bytes.toString('utf8')), headers(signature)).ok).toBe(false);
  });

  it('refuses secrets that are not base64', () => {
    expect(() => decodeStandardWebhooksSecret('whsec_not base64!')).toThrow(/not a Standard Webhooks secret/);
    expect(() => decodeStandardWebhooksSecret('whsec_')).toThrow();
  });
});
