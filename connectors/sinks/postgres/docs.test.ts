import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { renderPostgresTables, warehouseDocPath, withPostgresTables } from './docs.js';
import { warehouseTables } from './tables.js';

describe('docs/warehouse.md, PostgreSQL tables', () => {
  it('is up to date with the table descriptions (run npx tsx connectors/sinks/postgres/docs.ts)', () => {
    const document = readFileSync(warehouseDocPath, 'utf8');
    expect(withPostgresTables(document)).toBe(document);
  });

  it('documents every column of every table', () => {
    const rendered = renderPostgresTables();
    for (const table of warehouseTables) {
      expect(rendered).toContain(`#### \`${table.name}\``);
      for (const column of table.columns) expect(rendered).toContain(`| \`${column.name}\` | \`${column.type}\``);
    }
  });
});
