import { describe, expect, it } from '@jest/globals';
import { parseEnrichConfig } from './config.js';
import { builtInRedactionRules, createRedactor, passesIbanCheck, passesLuhn, redactionMarker } from './redact.js';
import { innocentTexts, secretCorpus } from './redaction-corpus.js';

const redact = createRedactor(builtInRedactionRules);

describe('redaction with the built-in rules', () => {
  it.each(secretCorpus.map((entry) => [entry.rule, entry.message, entry] as const))(
    '%s: replaces the secret in "%s"',
    (rule, message, entry) => {
      const tally = new Map<string, number>();
      const result = redact(message, tally);
      for (const spelling of [entry.secret, ...(entry.variants ?? [])]) expect(result).not.toContain(spelling);
      expect(result).toContain(redactionMarker(rule));
      expect(tally.get(rule)).toBeGreaterThanOrEqual(1);
    },
  );

  it.each(innocentTexts.map((text) => [text]))('leaves "%s" as it is', (text) => {
    const tally = new Map<string, number>();
    expect(redact(text, tally)).toBe(text);
    expect(tally.size).toBe(0);
  });

  it('keeps the key of a key=value secret and the user of a URL', () => {
    const tally = new Map<string, number>();
    expect(redact('password=abc12345 for https://bob:pw123456@example.com/x', tally)).toBe(
      'password=[REDACTED:secret-assignment] for https://bob:[REDACTED:url-password]@example.com/x',
    );
    expect(Object.fromEntries(tally)).toEqual({ 'url-password': 1, 'secret-assignment': 1 });
  });

  it('counts each replaced value once, even when two rules could see it', () => {
    const tally = new Map<string, number>();
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIzNDU2';
    const result = redact(`Authorization: Bearer ${token}; token=${token}`, tally);
    expect(result).toBe('Authorization: Bearer [REDACTED:jwt]; token=[REDACTED:jwt]');
    expect(Object.fromEntries(tally)).toEqual({ jwt: 2 });
  });

  it('is idempotent: redacting redacted text changes nothing', () => {
    for (const entry of secretCorpus) {
      const once = redact(entry.message, new Map());
      const tally = new Map<string, number>();
      expect(redact(once, tally)).toBe(once);
      expect(tally.size).toBe(0);
    }
  });
});

describe('checksums', () => {
  it('accepts Luhn-valid card numbers and refuses others', () => {
    expect(passesLuhn('4111 1111 1111 1111')).toBe(true);
    expect(passesLuhn('378282246310005')).toBe(true);
    expect(passesLuhn('4111 1111 1111 1112')).toBe(false);
    expect(passesLuhn('411111111111')).toBe(false);
  });

  it('accepts IBANs with valid check digits and refuses others', () => {
    expect(passesIbanCheck('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(passesIbanCheck('GB82WEST12345698765432')).toBe(true);
    expect(passesIbanCheck('GB83WEST12345698765432')).toBe(false);
  });
});

describe('configured rules', () => {
  it('adds custom rules after the built-ins and turns built-ins off', () => {
    const config = parseEnrichConfig({
      redaction: {
        disable: ['email'],
        rules: [{ name: 'order-token', pattern: '(?<keep>order_token=)\\w+', flags: 'i' }],
      },
    });
    const tally = new Map<string, number>();
    const result = createRedactor(config.redactionRules)('ORDER_TOKEN=abc123 by jane@example.com', tally);
    expect(result).toBe('ORDER_TOKEN=[REDACTED:order-token] by jane@example.com');
    expect(Object.fromEntries(tally)).toEqual({ 'order-token': 1 });
  });

  it('names the field of a bad rule', () => {
    expect(() => parseEnrichConfig({ redaction: { rules: [{ name: 'x', pattern: '(' }] } })).toThrow(
      /processors\.enrich\.redaction\.rules\.0\.pattern: not a valid regular expression/,
    );
    expect(() => parseEnrichConfig({ redaction: { rules: [{ name: 'email', pattern: 'x' }] } })).toThrow(
      /rules\.0\.name: "email" is already a rule name/,
    );
    expect(() => parseEnrichConfig({ redaction: { rules: [{ name: 'empty', pattern: 'a*' }] } })).toThrow(
      /matches the empty string/,
    );
    expect(() => parseEnrichConfig({ redaction: { disable: ['nope'] } })).toThrow(
      /processors\.enrich\.redaction\.disable\.0/,
    );
    expect(() => parseEnrichConfig({ unknown: 1 })).toThrow(/processors\.enrich/);
  });

  it('needs no section at all', () => {
    expect(parseEnrichConfig(undefined).redactionRules).toHaveLength(builtInRedactionRules.length);
  });
});
