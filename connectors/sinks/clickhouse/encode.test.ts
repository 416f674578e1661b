import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidRecordError } from '../../../pipeline/errors/index.js';
import { currentDialect, legacyDialect, valueEncoder, type Dialect } from './column-types.js';
import { bodyOf, createRowEncoder } from './encode.js';
import { warehouseTables, type AnyTableSpec } from './tables/index.js';
import { sampleWarehouse } from './testing.js';
import type { InsertFormat } from './transport.js';

/**
 * The row text as the encoder wrote it before it wrote bytes (2026-11-27): every value through its
 * column's `valueEncoder`, then one `JSON.stringify` of the row's array (or object); an error of a
 * spec's read function named with its column.
 */
function referenceLine(table: AnyTableSpec, dialect: Dialect, format: InsertFormat, value: unknown): string {
  const cells = table.columns.map((column) => {
    const encode = valueEncoder(column.type, dialect, column.name);
    try {
      return encode((column.value as (event: unknown) => unknown)(value));
    } catch (error) {
      if (error instanceof InvalidRecordError) throw error;
      throw new Error(
        `Table ${table.name}, column ${column.name}: cannot read the value from the record (${(error as Error).message}).`,
        { cause: error },
      );
    }
  });
  if (format === 'JSONCompactEachRow') return `${JSON.stringify(cells)}\n`;
  return `${JSON.stringify(Object.fromEntries(table.columns.map((column, i) => [column.name, cells[i]])))}\n`;
}

const samples = sampleWarehouse(40, { baseTime: Date.UTC(2026, 10, 27, 23, 59, 58, 7), scenarios: 5, teams: 2 });
const formats: readonly InsertFormat[] = ['JSONCompactEachRow', 'JSONEachRow'];
const dialects: readonly Dialect[] = [currentDialect, legacyDialect];

/** Odd values for a field: wrong types, edges of the ranges, strings that need escapes. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, -0, 0.5, -1, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, true, ''),
  fc.constantFrom(
    Date.UTC(1899, 11, 31),
    Date.UTC(2299, 11, 31, 23, 59, 59, 999),
    Date.UTC(1969, 11, 31, 23, 59, 59, 1),
  ),
  fc.integer(),
  fc.double(),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.oneof(fc.string(), fc.nat()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.nat()), { maxKeys: 3 }),
);

describe('row encoder', () => {
  it.each(formats.flatMap((format) => dialects.map((dialect) => [format, dialect.name, dialect] as const)))(
    '%s, %s dialect: every sample row of every table is byte for byte JSON.stringify of its checked values',
    (format, _, dialect) => {
      for (const table of warehouseTables) {
        if (!dialect.map && table.columns.some((column) => column.type.kind === 'MapString')) continue;
        const values = samples[table.topic]!;
        const batch = createRowEncoder(table, dialect, format).encode(values);
        expect(batch.failures).toEqual([]);
        const expected = values.map((value) => referenceLine(table, dialect, format, value)).join('');
        expect(batch.bytes.toString('utf8')).toBe(expected);
        expect(bodyOf(batch, batch.rows).toString('utf8')).toBe(expected);
      }
    },
  );

  it('writes any mix of odd values as the reference does, or refuses the row with the same message, alone', () => {
    const tables = warehouseTables.map((table) => ({ table, values: samples[table.topic]! }));
    fc.assert(
      fc.property(
        fc.nat({ max: tables.length - 1 }),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), oddValue), { maxLength: 3 }),
        fc.constantFrom(...formats),
        (tableIndex, sampleIndex, changes, format) => {
          const { table, values } = tables[tableIndex]!;
          const base = values[sampleIndex % values.length] as Record<string, unknown>;
          const fields = Object.keys(base);
          const odd = { ...base };
          for (const [field, value] of changes) odd[fields[field % fields.length]!] = value;
          const batch = createRowEncoder(table, currentDialect, format).encode([base, odd, base]);
          let expected: string;
          try {
            expected = referenceLine(table, currentDialect, format, odd);
          } catch (error) {
            expect(batch.failures.map((failure) => failure.index)).toEqual([1]);
            expect(batch.failures[0]!.error.message).toBe(`Table ${table.name}: ${(error as Error).message}`);
            expect(batch.rows.map((row) => row.index)).toEqual([0, 2]);
            expect(batch.bytes.toString()).toBe(referenceLine(table, currentDialect, format, base).repeat(2));
            return;
          }
          expect(batch.failures).toEqual([]);
          const line = referenceLine(table, currentDialect, format, base);
          expect(batch.bytes.toString()).toBe(`${line}${expected}${line}`);
          expect(bodyOf(batch, batch.rows.slice(1, 2)).toString()).toBe(expected);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it.each(formats)(
    '%s: prepare gives each row its reference line, and encode takes prepared and decoded rows alike',
    (format) => {
      for (const table of warehouseTables) {
        const values = samples[table.topic]!;
        const encoder = createRowEncoder(table, currentDialect, format);
        const prepared = values.map((value) => encoder.prepare(value));
        const lines = values.map((value) => referenceLine(table, currentDialect, format, value));
        expect(prepared.map((row) => row.toString('utf8'))).toEqual(lines);
        // Mixed: odd positions prepared, even ones decoded; the body is the same bytes.
        const mixed = values.map((value, i) => (i % 2 === 1 ? prepared[i] : value));
        const batch = encoder.encode(mixed);
        expect(batch.failures).toEqual([]);
        expect(batch.bytes.toString('utf8')).toBe(lines.join(''));
        expect(bodyOf(batch, batch.rows.slice(2, 5)).toString('utf8')).toBe(lines.slice(2, 5).join(''));
      }
    },
  );

  it('prepare refuses an odd row with the message encode reports for it', () => {
    const tables = warehouseTables.map((table) => ({ table, values: samples[table.topic]! }));
    fc.assert(
      fc.property(
        fc.nat({ max: tables.length - 1 }),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), oddValue), { maxLength: 3 }),
        (tableIndex, sampleIndex, changes) => {
          const { table, values } = tables[tableIndex]!;
          const base = values[sampleIndex % values.length] as Record<string, unknown>;
          const fields = Object.keys(base);
          const odd = { ...base };
          for (const [field, value] of changes) odd[fields[field % fields.length]!] = value;
          const encoder = createRowEncoder(table, currentDialect, 'JSONCompactEachRow');
          const batch = encoder.encode([odd]);
          if (batch.failures.length > 0) {
            expect(() => encoder.prepare(odd)).toThrow(batch.failures[0]!.error.message);
          } else {
            expect(encoder.prepare(odd).toString()).toBe(batch.bytes.toString());
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a record that is not an object, alone, leaving nothing of it in the body', () => {
    const table = warehouseTables[0]!;
    const batch = createRowEncoder(table, currentDialect, 'JSONCompactEachRow').encode([null, 7]);
    expect(batch.failures.map((failure) => failure.error.message)).toEqual([
      expect.stringMatching(/must be an object, got object/),
      expect.stringMatching(/must be an object, got number/),
    ]);
    expect(batch.bytes.length).toBe(0);
  });
});
