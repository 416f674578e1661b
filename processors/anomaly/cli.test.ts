import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import type { Anomaly } from '../../schemas/generated/types.js';
import { detectCommand } from './cli.js';
import { lcg, seriesStart } from './testing.js';

const minute = 60_000;

/** One run a minute for 30 hours; from hour 28 for 20 minutes, 80% of runs fail. */
function executions(): Record<string, unknown>[] {
  const random = lcg(7);
  const burstFrom = seriesStart + 28 * 60 * minute;
  return Array.from({ length: 30 * 60 }, (_, i) => {
    const timestamp = seriesStart + i * minute + Math.floor(random() * 20_000);
    const inBurst = timestamp >= burstFrom && timestamp < burstFrom + 20 * minute;
    const failed = random() < (inBurst ? 0.8 : 0.02);
    return {
      eventId: `e${i}`,
      source: 'SIMULATOR',
      zone: 'eu1.make.com',
      scenarioId: 301,
      executionId: i.toString(16).padStart(32, '0'),
      status: failed ? 'ERROR' : 'SUCCESS',
      timestamp,
      duration: 1000 + Math.floor(random() * 500),
      operations: 3,
      transfer: 100,
      centicredits: 300,
      organizationId: 4711,
      teamId: 9001,
      ingestedAt: timestamp + 5000,
    };
  });
}

function writeLines(records: readonly Record<string, unknown>[]): { input: string; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'detect-'));
  const input = join(dir, 'executions.ndjson');
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { input, output: join(dir, 'anomalies.ndjson') };
}

describe('makestream detect', () => {
  // Generous timeout: the suite shares a loaded machine (schema catalog load + ts transform).
  it('writes valid Anomaly JSON lines for an error burst, and the same bytes for input shuffled within the lateness', async () => {
    const sorted = executions();
    const files = writeLines(sorted);
    const summary = await detectCommand(files);
    const text = readFileSync(files.output, 'utf8');
    const anomalies = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Anomaly);
    expect(summary).toMatchObject({ executions: sorted.length, late: 0, anomalies: anomalies.length });
    expect(anomalies.length).toBeGreaterThan(0);
    expect(anomalies.every((a) => a.detector === 'error-rate-spike' && a.scenarioId === 301)).toBe(true);
    const burstFrom = seriesStart + 28 * 60 * minute;
    expect(anomalies[0]!.windowEnd - burstFrom).toBeLessThanOrEqual(15 * minute);
    const type = loadSchemaCatalog().byFile('anomaly').type;
    for (const anomaly of anomalies) expect(type.isValid(anomaly)).toBe(true);

    // Swap neighbours in blocks of five (at most five minutes out of order, lateness is ten).
    const shuffled = sorted.map((_, i) => sorted[i - (i % 5) + (4 - (i % 5))] ?? sorted[i]!);
    const again = writeLines(shuffled);
    await detectCommand(again);
    expect(readFileSync(again.output, 'utf8')).toBe(text);
  }, 30_000);

  it('names the file, line and field of a bad execution', async () => {
    const records = executions().slice(0, 3);
    records[1] = { ...records[1], scenarioId: 'x' };
    await expect(detectCommand(writeLines(records))).rejects.toThrow(
      /executions\.ndjson:2: field "scenarioId" must be a number/,
    );
  });

  it('counts executions later than the allowed lateness and leaves them out', async () => {
    const records = executions().slice(0, 120);
    records.push({ ...records[0]!, executionId: 'late' });
    const summary = await detectCommand({ ...writeLines(records), allowedLatenessMs: 5 * minute });
    expect(summary.late).toBe(1);
  });
});
