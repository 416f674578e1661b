import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { asciiBytes, JsonBytes } from './json-bytes.js';

/** What a writer method gives for one value, as text. */
const written = (write: (out: JsonBytes) => void, capacity = 16): string => {
  const out = new JsonBytes(capacity);
  out.ascii('>'); // not at offset 0, and the buffer has to grow for long values
  write(out);
  return out.buffer.toString('utf8', 1, out.length);
};
const bytesOf = (write: (out: JsonBytes) => void): Buffer => {
  const out = new JsonBytes(16);
  write(out);
  return Buffer.from(out.buffer.subarray(0, out.length));
};

/** Any UTF-16 code units: lone surrogates, controls, quotes, backslashes, astral pairs. */
const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) });
const anyText = fc.oneof(
  codeUnits,
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme-ascii', minLength: 20, maxLength: 200 }),
  fc.string({ unit: 'binary-ascii', minLength: 20, maxLength: 200 }),
);

describe('JSON bytes', () => {
  it('writes any string as the UTF-8 bytes of JSON.stringify (escapes, lone surrogates, non-ASCII)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(bytesOf((out) => out.string(text))).toEqual(Buffer.from(JSON.stringify(text)));
      }),
      { numRuns: 1000 },
    );
    for (const text of [
      '',
      '"',
      '\\',
      '\u0000\u001f\u007f',
      '\ud800',
      '\udc00x',
      '😀',
      'é'.repeat(40),
      'a'.repeat(5000),
    ]) {
      expect(written((out) => out.string(text))).toBe(JSON.stringify(text));
    }
  });

  it('writes numbers as JSON.stringify does (integers, fractions, exponents, -0, non-finite as null)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double()), (value) => {
        expect(written((out) => out.number(value))).toBe(JSON.stringify(value));
      }),
      { numRuns: 1000 },
    );
    for (const value of [0, -0, 9, 10, 99, 100, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21]) {
      expect(written((out) => out.number(value))).toBe(JSON.stringify(value));
      expect(written((out) => out.numberText(value))).toBe(String(value));
    }
    expect(written((out) => out.number(Number.NaN))).toBe('null');
    expect(written((out) => out.number(Number.NEGATIVE_INFINITY))).toBe('null');
  });

  it('writes lists of strings and any value as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyText, fc.constant(undefined), fc.integer()), { maxLength: 5 }), (list) => {
        expect(written((out) => out.stringList(list))).toBe(JSON.stringify(list));
      }),
    );
    expect(written((out) => out.value({ a: [1, 'ü'] }))).toBe('{"a":[1,"ü"]}');
    expect(written((out) => out.value(undefined))).toBe('null');
  });

  it('copies constant bytes, short and long, and grows past its first capacity', () => {
    const long = asciiBytes('x'.repeat(300));
    expect(written((out) => (out.bytes(asciiBytes('{"a":')), out.bytes(long), out.byte(0x7d)))).toBe(
      `{"a":${'x'.repeat(300)}}`,
    );
    expect(() => asciiBytes('é')).toThrow('is not printable ASCII');
  });
});
