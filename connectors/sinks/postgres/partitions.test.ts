import { describe, expect, it } from '@jest/globals';
import { partitionStart } from './partitions.js';

describe('partition boundaries (UTC, as pg_partman cuts them)', () => {
  const at = (iso: string) => Date.parse(iso);

  it('starts daily partitions at UTC midnight', () => {
    expect(partitionStart(at('2026-03-05T23:59:59.999Z'), 'daily')).toBe(at('2026-03-05T00:00:00Z'));
    expect(partitionStart(at('1969-12-31T12:00:00Z'), 'daily')).toBe(at('1969-12-31T00:00:00Z'));
  });

  it('starts weekly partitions on Monday, like date_trunc(week)', () => {
    expect(partitionStart(at('2026-03-08T10:00:00Z'), 'weekly')).toBe(at('2026-03-02T00:00:00Z')); // a Sunday
    expect(partitionStart(at('2026-03-02T00:00:00Z'), 'weekly')).toBe(at('2026-03-02T00:00:00Z')); // a Monday
  });

  it('starts monthly partitions on the first of the month', () => {
    expect(partitionStart(at('2026-02-28T18:00:00Z'), 'monthly')).toBe(at('2026-02-01T00:00:00Z'));
  });
});
