import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { corpus } from '../syslog/testing.js';
import { enrichedLogToCef, enrichedLogToLeef, enrichedLogToRfc5424 } from './enriched-log.js';
import { GOLDEN_FILE, GOLDEN_RECORDS, goldenRecords, renderGolden, type GoldenVariant } from './testing/golden.js';
import { parseCef, parseLeef, parseRfc5424 } from './testing/parse.js';

const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Record<string, GoldenVariant>;

describe('golden output (byte equality with golden.json)', () => {
  const rendered = renderGolden();

  it('formats every variant the golden file pins', () => {
    expect(Object.keys(rendered).sort()).toEqual(Object.keys(golden).sort());
  });

  it.each(Object.keys(golden))('%s: the readable lines are byte-equal', (variant) => {
    // Compared one by one so a failure shows the first line that changed.
    golden[variant]!.first.forEach((line, index) =>
      expect([index, rendered[variant]!.first[index]]).toEqual([index, line]),
    );
  });

  it.each(Object.keys(golden))(`%s: all ${GOLDEN_RECORDS} records hash equal`, (variant) => {
    expect({ sha256: rendered[variant]!.sha256, bytes: rendered[variant]!.bytes }).toEqual({
      sha256: golden[variant]!.sha256,
      bytes: golden[variant]!.bytes,
    });
  });
});

describe('golden corpus', () => {
  it('is the same on every run (seeded)', () => {
    expect(goldenRecords(50)).toEqual(goldenRecords(50));
    expect(goldenRecords(50, 1)).not.toEqual(goldenRecords(50, 2));
  });

  it('reaches the slow paths: escapes, cuts and nulls occur', () => {
    const lines = goldenRecords(600).map((log) => enrichedLogToCef(log));
    expect(lines.some((line) => line.includes('\\='))).toBe(true);
    expect(lines.some((line) => line.includes('\\n'))).toBe(true);
    expect(lines.some((line) => line.includes('…[truncated]'))).toBe(true);
    expect(lines.some((line) => !line.includes(' cs1='))).toBe(true);
  });
});

describe('fast formatters against the parsers (syslog corpus)', () => {
  // The parsers in testing/parse.ts are written from the specifications: what the fast paths write
  // must read back as the record's values.
  const values = corpus('golden-parse', 120);

  it('CEF, LEEF and RFC 5424 lines read back the record values', () => {
    for (const value of values) {
      const cef = parseCef(enrichedLogToCef(value)).extension;
      expect([cef.msg, cef.cs1, cef.rt]).toEqual([value.message, value.scenarioName, String(value.timestamp)]);
      const leef = parseLeef(enrichedLogToLeef(value)).attributes;
      expect([leef.msg, leef.scenarioName]).toEqual([value.message, value.scenarioName]);
      const syslog = parseRfc5424(enrichedLogToRfc5424(value));
      expect([syslog.message, syslog.timestamp]).toEqual([value.message, new Date(value.timestamp).toISOString()]);
      expect(Object.fromEntries(syslog.structuredData[0]!.params).scenarioName).toBe(value.scenarioName);
    }
  });
});
