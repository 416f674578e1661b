import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { JsonBytes } from '../../../pipeline/sink/json-bytes.js';
import { encodeField, escapeCopyText, NULL_FIELD, writeField } from './copy-text.js';

/** The bytes `writeField` appends after `before` (so that a field's start is not always 0). */
const fieldBytes = (before: string, type: 'text' | 'jsonb', value: unknown): Buffer => {
  const out = new JsonBytes(16);
  out.ascii(before);
  writeField(out, 'x', type, true, value);
  return out.buffer.subarray(before.length, out.length);
};

describe('COPY text encoding', () => {
  it('writes text and JSON as the UTF-8 of their escaped strings, whatever the characters', () => {
    const noNul = (text: string) => text.replaceAll('\u0000', '');
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'grapheme-ascii', maxLength: 8 }),
        (text, before) => {
          const clean = noNul(text);
          expect(fieldBytes(before, 'text', clean)).toEqual(Buffer.from(escapeCopyText(clean)));
          const list = [clean, before];
          expect(fieldBytes(before, 'jsonb', list)).toEqual(Buffer.from(escapeCopyText(JSON.stringify(list))));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('escapes backslash, newline, carriage return and tab, and nothing else', () => {
    expect(escapeCopyText('a\\b\nc\rd\te "f" ü')).toBe('a\\\\b\\nc\\rd\\te "f" ü');
    expect(escapeCopyText('plain')).toBe('plain');
  });

  it('writes NULL as \\N for nullable columns and refuses a missing required value', () => {
    expect(encodeField('x', 'text', true, null)).toBe(NULL_FIELD);
    expect(encodeField('x', 'bigint', true, undefined)).toBe(NULL_FIELD);
    expect(() => encodeField('status', 'text', false, null)).toThrow('status: is required but missing');
  });

  it('writes timestamps as ISO 8601 UTC and refuses years outside 1–9999', () => {
    expect(encodeField('time', 'timestamptz', false, Date.parse('2026-01-01T00:15:41.512Z'))).toBe(
      '2026-01-01T00:15:41.512Z',
    );
    expect(encodeField('time', 'timestamptz', false, Date.parse('0001-01-01T00:00:00Z'))).toBe(
      '0001-01-01T00:00:00.000Z',
    );
    expect(() => encodeField('time', 'timestamptz', false, Date.parse('0001-01-01T00:00:00Z') - 1)).toThrow(
      /outside the years 1 to 9999/,
    );
    expect(() => encodeField('time', 'timestamptz', false, 253_402_300_800_000)).toThrow(/outside the years 1 to 9999/);
    expect(() => encodeField('time', 'timestamptz', false, 1.5)).toThrow(/expected epoch milliseconds/);
  });

  it('checks integers against their column range', () => {
    expect(encodeField('n', 'bigint', false, 9_007_199_254_740_991)).toBe('9007199254740991');
    expect(encodeField('n', 'bigint', false, 12n)).toBe('12');
    expect(() => encodeField('n', 'bigint', false, 2 ** 60)).toThrow(/out of range/);
    expect(encodeField('n', 'integer', false, -2_147_483_648)).toBe('-2147483648');
    expect(() => encodeField('n', 'integer', false, 2_147_483_648)).toThrow(
      'n: 2147483648 is out of range for integer (32 bits)',
    );
    expect(() => encodeField('n', 'bigint', false, '12')).toThrow('n: expected an integer, got the string "12"');
  });

  it('writes doubles including NaN and infinities the way PostgreSQL reads them', () => {
    expect(encodeField('d', 'double precision', false, 0.25)).toBe('0.25');
    expect(encodeField('d', 'double precision', false, Number.NaN)).toBe('NaN');
    expect(encodeField('d', 'double precision', false, -Infinity)).toBe('-Infinity');
  });

  it('refuses NUL characters in text and jsonb, which PostgreSQL cannot store', () => {
    expect(() => encodeField('name', 'text', true, 'a\u0000b')).toThrow(/name: contains a NUL character/);
    expect(() => encodeField('tags', 'jsonb', false, ['a\u0000b'])).toThrow(/tags: contains a NUL character/);
  });

  it('serialises values to jsonb, takes strings as JSON text and refuses invalid JSON text', () => {
    expect(encodeField('labels', 'jsonb', false, { env: 'prod\tx' })).toBe('{"env":"prod\\\\tx"}');
    expect(encodeField('detail', 'jsonb', true, '{"a":1}')).toBe('{"a":1}');
    expect(() => encodeField('detail', 'jsonb', true, '{nope')).toThrow(/detail: is not valid JSON text/);
  });

  it('writes bytea in hex with the backslash escaped for COPY', () => {
    expect(encodeField('sketch', 'bytea', true, Buffer.from([0, 255, 16]))).toBe('\\\\x00ff10');
  });

  it('checks uuids and booleans', () => {
    expect(encodeField('id', 'uuid', false, '5F0C2B7E-9D8A-4C61-B3E2-A9D07F4C1E88')).toBe(
      '5F0C2B7E-9D8A-4C61-B3E2-A9D07F4C1E88',
    );
    expect(() => encodeField('id', 'uuid', false, 'abc')).toThrow(/expected a UUID/);
    expect(encodeField('b', 'boolean', false, false)).toBe('f');
    expect(() => encodeField('b', 'boolean', false, 0)).toThrow(/expected a boolean/);
  });
});
