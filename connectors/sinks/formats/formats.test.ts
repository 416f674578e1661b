import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { escapeCefExtensionValue, escapeCefHeader, formatCef } from './cef.js';
import { formatLeef } from './leef.js';
import { bsdTimestamp, formatRfc3164 } from './rfc3164.js';
import { escapeParamValue, formatRfc5424, priority } from './rfc5424.js';
import { parseCef, parseLeef, parseRfc5424 } from './testing/parse.js';
import { TRUNCATION_MARKER, truncateCharacters, truncateUtf8 } from './truncate.js';

/** Strings made mostly of the characters the formats must escape, plus non-ASCII text. */
const nasty = fc.string({
  unit: fc.constantFrom('\\', '|', '=', '\n', '\r', ']', '"', ' ', '^', '\t', 'a', 'Z', '0', 'é', '日', '😀', '-'),
  maxLength: 60,
});
const anyText = fc.oneof(nasty, fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ maxLength: 60 }));

describe('CEF', () => {
  it('escapes backslash and pipe in header fields and flattens line breaks', () => {
    expect(escapeCefHeader('a|b\\c\nd\r\ne')).toBe('a\\|b\\\\c d e');
  });

  it('escapes backslash, equals and line breaks in extension values but not pipes', () => {
    expect(escapeCefExtensionValue('a=b\\c|d\ne\rf')).toBe('a\\=b\\\\c|d\\ne\\rf');
  });

  it('writes the seven header fields, clamps severity and skips null extension values', () => {
    const line = formatCef({
      deviceVendor: 'make|stream',
      deviceProduct: 'p',
      deviceVersion: '1',
      signatureId: 'make:execution:error',
      name: 'Scenario execution error',
      severity: 12.4,
      extension: [
        ['rt', 1_764_248_700_000],
        ['msg', 'x=1'],
        ['suser', null],
        ['bad key!', 'v'],
      ],
    });
    expect(line).toBe(
      'CEF:0|make\\|stream|p|1|make:execution:error|Scenario execution error|10|rt=1764248700000 msg=x\\=1 badkey=v',
    );
  });

  it('cuts values longer than the dictionary limit and marks the cut', () => {
    const line = formatCef({
      deviceVendor: 'v',
      deviceProduct: 'p',
      deviceVersion: '1',
      signatureId: 's',
      name: 'n',
      severity: 3,
      extension: [['act', 'x'.repeat(100)]],
    });
    const act = parseCef(line).extension.act!;
    expect(act).toHaveLength(63);
    expect(act.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('round-trips any header and extension text through format and parse', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, (vendor, name, message, reason) => {
        const line = formatCef({
          deviceVendor: vendor,
          deviceProduct: 'makestream',
          deviceVersion: '1',
          signatureId: 'sig',
          name,
          severity: 5,
          extension: [
            ['msg', message],
            ['reason', reason],
            ['cs1', `${message}=${reason}`],
          ],
        });
        const parsed = parseCef(line);
        const flat = (text: string) => text.replace(/\r\n|[\r\n]/g, ' ');
        expect(parsed.header).toEqual(['CEF:0', flat(vendor), 'makestream', '1', 'sig', flat(name), '5']);
        expect(parsed.extension).toEqual({ msg: message, reason, cs1: `${message}=${reason}` });
      }),
      { numRuns: 500 },
    );
  });
});

describe('LEEF 2.0', () => {
  it('declares the delimiter in the header and escapes it in values', () => {
    const line = formatLeef({
      vendor: 'makestream',
      product: 'makestream',
      version: '1',
      eventId: 'make:execution:error',
      attributes: [
        ['sev', 8],
        ['msg', 'a^b=c'],
      ],
    });
    expect(line).toBe('LEEF:2.0|makestream|makestream|1|make:execution:error|^|sev=8^msg=a\\^b=c');
  });

  it('writes a tab delimiter as hex', () => {
    const line = formatLeef(
      { vendor: 'v', product: 'p', version: '1', eventId: 'e', attributes: [['a', '1']] },
      { delimiter: '\t' },
    );
    expect(line).toBe('LEEF:2.0|v|p|1|e|x09|a=1');
  });

  it('refuses a delimiter that would break the format', () => {
    expect(() =>
      formatLeef({ vendor: 'v', product: 'p', version: '1', eventId: 'e', attributes: [] }, { delimiter: '=' }),
    ).toThrow(/delimiter/);
  });

  it('round-trips any attribute text', () => {
    fc.assert(
      fc.property(anyText, anyText, fc.constantFrom('^', '\t', '~'), (message, user, delimiter) => {
        const line = formatLeef(
          {
            vendor: 'v',
            product: 'p',
            version: '1',
            eventId: 'e',
            attributes: [
              ['msg', message],
              ['usrName', user],
            ],
          },
          { delimiter },
        );
        expect(parseLeef(line).attributes).toEqual({ msg: message, usrName: user });
      }),
      { numRuns: 500 },
    );
  });
});

describe('RFC 5424', () => {
  it('computes PRI and rejects out-of-range facility or severity', () => {
    expect(priority(20, 5)).toBe(165);
    expect(priority(0, 0)).toBe(0);
    expect(() => priority(24, 0)).toThrow(RangeError);
    expect(() => priority(1, 8)).toThrow(RangeError);
  });

  it('writes the header, structured data and message', () => {
    const text = formatRfc5424({
      facility: 16,
      severity: 3,
      timestamp: Date.UTC(2026, 10, 27, 13, 5, 0, 123),
      hostname: 'eu1.make.com',
      appName: 'makestream',
      procId: null,
      msgId: 'EXECUTION',
      structuredData: [
        {
          id: 'make@32473',
          params: [
            ['scenarioName', 'a "quoted" ] \\ name'],
            ['teamId', null],
          ],
        },
      ],
      message: 'Scenario failed',
    });
    expect(text).toBe(
      '<131>1 2026-11-27T13:05:00.123Z eu1.make.com makestream - EXECUTION [make@32473 scenarioName="a \\"quoted\\" \\] \\\\ name"] Scenario failed',
    );
  });

  it('replaces non-printable header characters and cuts header fields to their limits', () => {
    const text = formatRfc5424({
      facility: 1,
      severity: 6,
      timestamp: null,
      hostname: 'my host',
      appName: 'a'.repeat(60),
      msgId: '',
    });
    const parsed = parseRfc5424(text);
    expect(parsed.hostname).toBe('my_host');
    expect(parsed.appName).toHaveLength(48);
    expect(parsed.msgId).toBe('-');
    expect(parsed.timestamp).toBe('-');
  });

  it('escapes only quote, backslash and closing bracket in parameter values', () => {
    expect(escapeParamValue('a"b\\c]d[e=f')).toBe('a\\"b\\\\c\\]d[e=f');
  });

  it('round-trips any structured-data value and message', () => {
    fc.assert(
      fc.property(anyText, anyText, fc.boolean(), (value, message, bom) => {
        const text = formatRfc5424(
          {
            facility: 16,
            severity: 6,
            timestamp: 0,
            structuredData: [{ id: 'make@32473', params: [['value', value]] }],
            message,
          },
          { byteOrderMark: bom },
        );
        const parsed = parseRfc5424(text);
        expect(parsed.structuredData).toEqual([{ id: 'make@32473', params: [['value', value]] }]);
        expect(parsed.message).toBe(message);
      }),
      { numRuns: 500 },
    );
  });
});

describe('RFC 3164', () => {
  it('writes a space-padded day in UTC without a year', () => {
    expect(bsdTimestamp(Date.UTC(2026, 10, 7, 3, 4, 5))).toBe('Nov  7 03:04:05');
  });

  it('keeps the message within 1024 bytes, cutting only the content and marking the cut', () => {
    const text = formatRfc3164({
      facility: 16,
      severity: 3,
      timestamp: 0,
      hostname: 'eu1.make.com',
      tag: 'make-stream',
      pid: 42,
      content: 'é'.repeat(2000),
    });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    expect(text.startsWith('<131>Jan  1 00:00:00 eu1.make.com makestream[42]: ')).toBe(true);
    expect(text.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(text).not.toContain('\uFFFD');
  });
});

/** A high surrogate without its low half, or a low one without its high half. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('truncation', () => {
  it('never splits a surrogate pair or a UTF-8 sequence', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 14, max: 120 }), (text, limit) => {
        const byCharacters = truncateCharacters(text, limit);
        expect(byCharacters.length).toBeLessThanOrEqual(limit);
        expect(byCharacters).not.toMatch(loneSurrogate);
        const byBytes = truncateUtf8(text, limit);
        expect(Buffer.byteLength(byBytes)).toBeLessThanOrEqual(limit);
        expect(byBytes).not.toContain('\uFFFD');
      }),
    );
  });
});
