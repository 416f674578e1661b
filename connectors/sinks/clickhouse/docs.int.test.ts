/**
 * docs/warehouse.md (ClickHouse section) is true: its table reference is what the specs generate,
 * and every example query runs on chDB against data written through the sink and returns rows.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseClickHouseSinkConfig } from './config.js';
import { createClickHouseSink, type ClickHouseSink } from './connector.js';
import { referenceStart, renderTableReference, warehouseDocPath, withTableReference } from './docs.js';
import { warehouseTables } from './tables/index.js';
import { sampleWarehouse, sinkBatch } from './testing.js';

const markdown = readFileSync(warehouseDocPath, 'utf8');

/** The ClickHouse section: from its heading to the next second-level heading. */
function clickHouseSection(text: string): string {
  const start = text.indexOf('\n## ClickHouse\n');
  if (start < 0) throw new Error('docs/warehouse.md has no "## ClickHouse" section.');
  const next = text.indexOf('\n## ', start + 1);
  return text.slice(start, next < 0 ? undefined : next);
}

const examples = [...clickHouseSection(markdown).matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1]!.trim());

describe('docs/warehouse.md, ClickHouse section', () => {
  let directory: string;
  let sink: ClickHouseSink;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'makestream-warehouse-docs-'));
    sink = createClickHouseSink(parseClickHouseSinkConfig({ embedded: { path: join(directory, 'chdb') } }));
    await sink.start();
    const data = sampleWarehouse(600, { baseTime: Date.now() - 4 * 3_600_000 });
    for (const table of warehouseTables) {
      const result = await sink.write(sinkBatch(table.topic, data[table.topic]!));
      expect(result.failures).toEqual([]);
    }
  });

  afterAll(async () => {
    await sink?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('documents every table and column exactly as the specs define them', () => {
    expect(clickHouseSection(markdown)).toContain(referenceStart);
    expect(renderTableReference()).toContain('`affected_scenario_ids` | `Array(UInt64)`');
    // Regenerate with: node --import tsx connectors/sinks/clickhouse/docs.ts --write
    expect(withTableReference(markdown)).toBe(markdown);
  });

  it('has the example queries analysts asked for', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
    const all = examples.join('\n');
    for (const needle of [
      "countIf(status = 'ERROR')",
      'quantile(0.95)',
      'makestream.incidents',
      'centicredits',
      'target_id',
    ]) {
      expect(all).toContain(needle);
    }
  });

  it.each(
    examples.map((sql) => [
      sql
        .split('\n')
        .find((line) => line.includes('FROM'))!
        .trim(),
      sql,
    ]),
  )('example query %s runs and returns rows', async (_from, sql) => {
    const rows = await sink.transport().query<Record<string, unknown>>(sql);
    expect(rows.length).toBeGreaterThan(0);
  });
});
