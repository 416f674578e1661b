import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { requireService } from '../support/services.js';

// chDB runs the ClickHouse engine in this process; one Session (data directory) at a time.
describe('chdb (in-process ClickHouse engine)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'makestream-chdb-'));
  const table = `smoke_events_${Date.now()}`;
  let session: Session;

  beforeAll(async () => {
    const { version } = await requireService('chdb');
    expect(version).toMatch(/^\d+\.\d+/);
    session = new Session(dir);
  });

  afterAll(() => {
    session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores DateTime64(3) rows in a MergeTree table and reads them back', async () => {
    session.query(
      `CREATE TABLE ${table} (ts DateTime64(3, 'UTC'), id String, level LowCardinality(String), bytes UInt32)
       ENGINE = MergeTree ORDER BY (ts, id)`,
    );
    const rows = [
      { ts: '2026-11-27 10:00:00.123', id: 'a', level: 'info', bytes: 120 },
      { ts: '2026-11-27 10:00:00.124', id: 'b', level: 'error', bytes: 42 },
    ];
    const summary = await session.insert({ table, values: rows });
    expect(summary.rowsWritten).toBe(2);

    const text = session.query(`SELECT * FROM ${table} ORDER BY ts`, 'JSONEachRow');
    const read = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(read).toEqual(rows);

    const millis = session.query(`SELECT toUnixTimestamp64Milli(max(ts)) FROM ${table}`, 'TabSeparated');
    expect(millis.trim()).toBe(String(Date.UTC(2026, 10, 27, 10, 0, 0, 124)));
  });
});
