import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseExportedLogs, plainValue, readExportedLogs } from './exported.js';

/** One line as the file exporter writes it (OTLP/JSON), with two records under one resource. */
const line = JSON.stringify({
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'host.name', value: { stringValue: 'h1' } }] },
      scopeLogs: [
        {
          scope: {},
          logRecords: [
            {
              timeUnixNano: '1795000001125000000',
              observedTimeUnixNano: '0',
              body: { kvlistValue: { values: [{ key: 'message', value: { stringValue: 'hi' } }] } },
              attributes: [
                { key: 'n', value: { intValue: '2' } },
                { key: 'ok', value: { boolValue: true } },
                { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { doubleValue: 1.5 }] } } },
              ],
            },
            { severityText: 'error', body: { stringValue: 'plain' } },
          ],
        },
      ],
    },
  ],
});

describe('exported OTLP/JSON logs', () => {
  it('flattens every record with its resource, attributes, body and times', () => {
    expect(parseExportedLogs(`${line}\n${line}\n`)).toHaveLength(4);
    const [first, second] = parseExportedLogs(line);
    expect(first).toEqual({
      resource: { 'host.name': 'h1' },
      attributes: { n: 2, ok: true, tags: ['a', 1.5] },
      body: { message: 'hi' },
      timeUnixNano: 1_795_000_001_125_000_000n,
      observedTimeUnixNano: undefined,
      severityText: undefined,
    });
    expect(second).toMatchObject({ body: 'plain', severityText: 'error', attributes: {}, timeUnixNano: undefined });
  });

  it('reads past a line torn by a crash that the next run appended to, and names a line that is not OTLP/JSON', () => {
    const torn = `${line}\n${line.slice(0, 150)}${line}\n${line}\n`;
    expect(parseExportedLogs(torn)).toHaveLength(6);
    expect(() => parseExportedLogs(`${line}\nnot json\n`)).toThrow(/line 2 is not OTLP\/JSON/);
  });

  it('decodes an empty value (HEC `event: null`) as null', () => {
    expect(plainValue({})).toBeNull();
  });

  it('leaves out a last line still being written, and reads a missing file as empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-exported-'));
    try {
      const file = join(dir, 'hec.json');
      expect(readExportedLogs(file)).toEqual([]);
      writeFileSync(file, `${line}\n${line.slice(0, 40)}`);
      expect(readExportedLogs(file)).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
