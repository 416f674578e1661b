import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createIsoTimeFormatter } from './iso-time.js';

describe('ISO time formatter', () => {
  it('writes exactly what toISOString writes, for any epoch ms from year 1 to 9999', () => {
    const format = createIsoTimeFormatter();
    const first = Date.parse('0001-01-01T00:00:00.000Z');
    const last = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), (ms) => {
        expect(format(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5_000 },
    );
    for (const ms of [0, 999, 86_399_999, 86_400_000, last, -1, first])
      expect(format(ms)).toBe(new Date(ms).toISOString());
  });
});
