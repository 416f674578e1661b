import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidRecordError } from '../../../pipeline/errors/index.js';
import { currentDialect, encodeValue, formatUtc, legacyDialect, renderType } from './column-types.js';

describe('column types', () => {
  it('render LowCardinality around Nullable, and drop what the legacy server lacks', () => {
    const type = { kind: 'String', nullable: true, lowCardinality: true } as const;
    expect(renderType(type, currentDialect)).toBe('LowCardinality(Nullable(String))');
    expect(renderType(type, legacyDialect)).toBe('Nullable(String)');
    expect(renderType({ kind: 'DateTime64' }, currentDialect)).toBe("DateTime64(3, 'UTC')");
    expect(renderType({ kind: 'DateTime64' }, legacyDialect)).toBe("DateTime('UTC')");
    expect(renderType({ kind: 'Bool', nullable: true }, legacyDialect)).toBe('Nullable(UInt8)');
    expect(() => renderType({ kind: 'MapString' }, legacyDialect)).toThrow(/21\.1/);
  });

  it('encode times as UTC text with milliseconds (seconds on the legacy server)', () => {
    const ms = Date.parse('2026-03-04T05:06:07.089Z');
    expect(encodeValue({ kind: 'DateTime64' }, currentDialect, ms, 't')).toBe('2026-03-04 05:06:07.089');
    expect(encodeValue({ kind: 'DateTime64' }, legacyDialect, ms, 't')).toBe('2026-03-04 05:06:07');
  });

  it('format any time in range exactly as toISOString does', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2299, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(formatUtc(ms, true)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 23)}`);
        expect(formatUtc(ms, false)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 19)}`);
      }),
      { numRuns: 2000 },
    );
    expect(formatUtc(Date.UTC(1969, 11, 31, 23, 59, 59, 999), true)).toBe('1969-12-31 23:59:59.999');
  });

  it('encode booleans as 1/0 where the server has no Bool', () => {
    expect(encodeValue({ kind: 'Bool' }, currentDialect, true, 'b')).toBe(true);
    expect(encodeValue({ kind: 'Bool' }, legacyDialect, true, 'b')).toBe(1);
  });

  it.each([
    [{ kind: 'UInt64' } as const, -1],
    [{ kind: 'UInt64' } as const, 1.5],
    [{ kind: 'UInt8' } as const, 256],
    [{ kind: 'Int64' } as const, Number.MAX_SAFE_INTEGER + 2],
    [{ kind: 'Float64' } as const, Number.NaN],
    [{ kind: 'String' } as const, 42],
    [{ kind: 'String' } as const, null],
    [{ kind: 'UUID' } as const, 'not-a-uuid'],
    [{ kind: 'DateTime64' } as const, Date.UTC(2300, 0, 1)],
    [{ kind: 'ArrayString' } as const, ['a', 1]],
    [{ kind: 'MapString' } as const, { a: 1 }],
  ])('refuse %j value %p with an InvalidRecordError naming the column', (type, value) => {
    expect(() => encodeValue(type, currentDialect, value, 'the_column')).toThrow(InvalidRecordError);
    expect(() => encodeValue(type, currentDialect, value, 'the_column')).toThrow(/the_column/);
  });

  it('accept null only in nullable columns', () => {
    expect(encodeValue({ kind: 'UInt64', nullable: true }, currentDialect, null, 'n')).toBeNull();
    expect(encodeValue({ kind: 'UInt64', nullable: true }, currentDialect, undefined, 'n')).toBeNull();
  });
});
