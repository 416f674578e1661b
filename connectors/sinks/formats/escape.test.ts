import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { escapeCefExtensionValue } from './cef.js';
import { escapeLeefValue } from './leef.js';
import { escapeParamValue } from './rfc5424.js';

// The escapes as first written (replace chains, a replace callback, a code-point loop): the one-pass
// versions must give the same text for any input.
const cefBefore = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
const paramBefore = (value: string): string => value.replace(/["\\\]]/g, (character) => `\\${character}`);
function leefBefore(value: string, delimiter: string): string {
  let escaped = '';
  for (const character of value) {
    if (character === '\\') escaped += '\\\\';
    else if (character === delimiter) escaped += `\\${delimiter}`;
    else if (character === '\n') escaped += '\\n';
    else if (character === '\r') escaped += '\\r';
    else escaped += character;
  }
  return escaped;
}

const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({
    unit: fc.constantFrom('\\', '=', '\n', '\r', '"', ']', '^', '\t', '$', 'a', '😀', '\uD83D', '\uDE00', '\uD800'),
    maxLength: 60,
  }),
);
// Any delimiter escapeLeefValue may be called with directly (formatLeef refuses some of them).
const delimiter = fc.oneof(
  fc.constantFrom('^', '\t', '~', '$', '\n', '\\', 'a', '😀', '\uD83D', '\uDE00'),
  fc.string({ minLength: 1, maxLength: 1 }),
);

describe('one-pass escapes equal the escapes they replaced', () => {
  it('CEF extension values', () => {
    fc.assert(
      fc.property(text, (value) => expect(escapeCefExtensionValue(value)).toBe(cefBefore(value))),
      {
        numRuns: 3000,
      },
    );
  });

  it('LEEF attribute values, for any delimiter', () => {
    fc.assert(
      fc.property(text, delimiter, (value, separator) =>
        expect(escapeLeefValue(value, separator)).toBe(leefBefore(value, separator)),
      ),
      { numRuns: 3000 },
    );
  });

  it('RFC 5424 PARAM-VALUEs', () => {
    fc.assert(
      fc.property(text, (value) => expect(escapeParamValue(value)).toBe(paramBefore(value))),
      {
        numRuns: 3000,
      },
    );
  });
});
