import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { JsonBytes } from './json-bytes.js';
import { createTimeBytesWriter, type TimeBytesFormat } from './time-bytes.js';

const text = (format: TimeBytesFormat, times: readonly number[]): string[] => {
  const write = createTimeBytesWriter(format);
  return times.map((ms) => {
    const out = new JsonBytes(64);
    write(out, ms);
    return out.buffer.toString('latin1', 0, out.length);
  });
};

/** Epoch ms in 1970–9999, in runs on one day (the writer's last-day path) and across days. */
const times = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 253_402_300_799_999 }),
    fc.integer({ min: 1_764_288_000_000, max: 1_764_288_000_000 + 86_399_999 }),
  ),
  { minLength: 1, maxLength: 50 },
);

describe('time bytes', () => {
  it("writes toISOString's text, quoted", () => {
    fc.assert(
      fc.property(times, (ms) => {
        expect(text({ separator: 'T', milliseconds: true, zulu: true }, ms)).toEqual(
          ms.map((t) => JSON.stringify(new Date(t).toISOString())),
        );
      }),
    );
  });

  it("writes ClickHouse's DateTime64(3) and DateTime text (space, no zone), quoted", () => {
    fc.assert(
      fc.property(times, (ms) => {
        const iso = ms.map((t) => new Date(t).toISOString().replace('T', ' ').slice(0, -1));
        expect(text({ separator: ' ', milliseconds: true, zulu: false }, ms)).toEqual(iso.map((t) => `"${t}"`));
        expect(text({ separator: ' ', milliseconds: false, zulu: false }, ms)).toEqual(
          iso.map((t) => `"${t.slice(0, -4)}"`),
        );
      }),
    );
  });

  it("writes PostgreSQL's COPY text bare, for years 1 to 9999", () => {
    const first = Date.parse('0001-01-01T00:00:00.000Z');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: first, max: 253_402_300_799_999 }), { minLength: 1, maxLength: 50 }),
        (ms) => {
          expect(text({ separator: 'T', milliseconds: true, zulu: true, quoted: false }, ms)).toEqual(
            ms.map((t) => new Date(t).toISOString()),
          );
        },
      ),
    );
  });

  it('keeps its day cache bounded and correct after clearing it', () => {
    const days = Array.from({ length: 5000 }, (_, day) => day * 86_400_000 + 12_345);
    expect(text({ separator: 'T', milliseconds: true, zulu: true }, [...days, ...days.slice(0, 10)])).toEqual(
      [...days, ...days.slice(0, 10)].map((t) => JSON.stringify(new Date(t).toISOString())),
    );
  });
});
