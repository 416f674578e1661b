import { describe, expect, it } from '@jest/globals';
import { errorFingerprint, normaliseMessage } from './fingerprint.js';

describe('normaliseMessage', () => {
  it.each([
    ['connect ETIMEDOUT 203.0.113.17:443', 'connect ETIMEDOUT <ip>'],
    ["The record with key 'order-48213' already exists.", 'The record with key <value> already exists.'],
    ['[409] Contact already exists. Existing ID: 90211', '[409] Contact already exists. Existing ID: <n>'],
    ['[429] Exceeded 2 calls per second for api client.', '[429] Exceeded <n> calls per second for api client.'],
    ['Recipient jane.roe@example.com bounced', 'Recipient <email> bounced'],
    ['GET https://api.example.com/v1/orders/48213?limit=5 returned [404]', 'GET <url> returned [404]'],
    [
      'Request 3f2c9a1e-7b4d-4e8a-9c61-0d5e2f7a8b93 failed at 2026-01-01T00:15:41.512Z',
      'Request <uuid> failed at <time>',
    ],
    ['Execution 5f0c2b7e9d8a4c61b3e2a9d07f4c1e88 stopped at 12:30:05', 'Execution <id> stopped at <time>'],
    ['Message msg_2b8Zx1example was rejected', 'Message <id> was rejected'],
    ['Invalid number in parameter "values[3]".', 'Invalid number in parameter <value>.'],
    ['Quota   of 1,000.5 units\nexceeded', 'Quota of <n> units exceeded'],
    ['[401] Invalid key [REDACTED:api-key]', '[401] Invalid key [REDACTED:api-key]'],
  ])('"%s" → "%s"', (message, expected) => {
    expect(normaliseMessage(message)).toBe(expected);
  });

  it('keeps the HTTP status apart: [502] and [503] are different failures', () => {
    expect(normaliseMessage('[502] Bad Gateway')).not.toBe(normaliseMessage('[503] Bad Gateway'));
  });
});

describe('errorFingerprint', () => {
  const base = { errorName: 'ConnectionError', normalisedMessage: 'connect ETIMEDOUT <ip>', causeModuleApp: 'http' };

  it('is stable and 32 hex digits', () => {
    expect(errorFingerprint(base)).toMatch(/^[0-9a-f]{32}$/);
    expect(errorFingerprint({ ...base })).toBe(errorFingerprint(base));
  });

  it('groups occurrences that differ only in variable parts', () => {
    const a = { ...base, normalisedMessage: normaliseMessage('connect ETIMEDOUT 203.0.113.17:443') };
    const b = { ...base, normalisedMessage: normaliseMessage('connect ETIMEDOUT 198.51.100.4:8443') };
    expect(errorFingerprint(a)).toBe(errorFingerprint(b));
  });

  it('tells apart error names, messages and cause apps', () => {
    const fingerprints = new Set([
      errorFingerprint(base),
      errorFingerprint({ ...base, errorName: 'RuntimeError' }),
      errorFingerprint({ ...base, normalisedMessage: 'read ECONNRESET' }),
      errorFingerprint({ ...base, causeModuleApp: 'slack' }),
      errorFingerprint({ ...base, causeModuleApp: null }),
    ]);
    expect(fingerprints.size).toBe(5);
  });
});
