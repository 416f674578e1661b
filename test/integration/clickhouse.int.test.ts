import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { requireService } from '../support/services.js';

// Debian's clickhouse-server is 18.16: DateTime (seconds) only, no DateTime64, and LowCardinality is
// still experimental (needs allow_experimental_low_cardinality_type = 1).
describe('clickhouse (Debian clickhouse-server 18.16, @clickhouse/client)', () => {
  const table = `smoke_events_${Date.now()}_${process.pid}`;
  let client: ClickHouseClient;

  beforeAll(async () => {
    const { endpoints } = await requireService('clickhouse');
    client = createClient({ url: endpoints.http, request_timeout: 10_000 });
  });

  afterAll(async () => {
    if (!client) return;
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await client.close();
  });

  it('creates a MergeTree table, inserts JSONEachRow and selects it back', async () => {
    await client.command({
      query: `CREATE TABLE ${table} (ts DateTime, id String, level String, bytes UInt32)
              ENGINE = MergeTree() PARTITION BY toYYYYMM(ts) ORDER BY (ts, id)`,
    });
    const rows = [
      { ts: '2026-11-27 10:00:00', id: 'a', level: 'info', bytes: 120 },
      { ts: '2026-11-27 10:00:01', id: 'b', level: 'error', bytes: 42 },
      { ts: '2026-11-27 10:00:02', id: 'c', level: 'info', bytes: 7 },
    ];
    await client.insert({ table, values: rows, format: 'JSONEachRow' });

    const result = await client.query({ query: `SELECT * FROM ${table} ORDER BY ts`, format: 'JSONEachRow' });
    expect(await result.json()).toEqual(rows);

    const summary = await client.query({
      query: `SELECT level, count() AS n, sum(bytes) AS total FROM ${table} GROUP BY level ORDER BY level`,
      format: 'JSONEachRow',
    });
    // 64-bit integers come back as strings in JSON formats.
    expect(await summary.json()).toEqual([
      { level: 'error', n: '1', total: '42' },
      { level: 'info', n: '2', total: '127' },
    ]);
  });
});
