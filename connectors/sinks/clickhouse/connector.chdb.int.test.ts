/**
 * The sink on chDB (the current ClickHouse engine, embedded): migrations, writes into every table,
 * server-side deduplication of a re-sent batch, ReplacingMergeTree under FINAL, per-row failures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigError, InvalidRecordError } from '../../../pipeline/errors/index.js';
import { currentDialect } from './column-types.js';
import { parseClickHouseSinkConfig } from './config.js';
import { createClickHouseSink, type ClickHouseSink } from './connector.js';
import { createRowEncoder } from './encode.js';
import { warehouseTables } from './tables/index.js';
import { column, text, type TableSpec } from './tables/spec.js';
import { sampleExecutions, sampleLogs, sampleWarehouse, sinkBatch } from './testing.js';
import { createTableWriter } from './writer.js';

describe('ClickHouse sink on chDB', () => {
  let directory: string;
  let sink: ClickHouseSink;
  const baseTime = Date.now() - 3 * 3_600_000;
  const count = (sql: string): Promise<number> =>
    sink
      .transport()
      .query<{ n: number | string }>(sql)
      .then((rows) => Number(rows[0]?.n));

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'makestream-clickhouse-it-'));
    sink = createClickHouseSink(
      parseClickHouseSinkConfig({ embedded: { path: join(directory, 'chdb') }, ttlDays: 30 }),
      {
        now: () => 1_767_225_600_000,
      },
    );
    await sink.start();
  });

  afterAll(async () => {
    await sink?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('applies every migration once, in order, and records it in schema_migrations', async () => {
    expect(sink.migrationReport()).toEqual({ applied: [1, 2, 3, 4, 5, 6, 7], alreadyApplied: [] });
    const recorded = await sink
      .transport()
      .query<{ version: number; name: string; applied_at: string }>(
        `SELECT version, name, applied_at FROM ${sink.tableName('schema_migrations')} FINAL ORDER BY version`,
      );
    expect(recorded.map((row) => [Number(row.version), row.name])).toEqual([
      [1, 'create executions'],
      [2, 'create logs'],
      [3, 'create metrics'],
      [4, 'create incidents'],
      [5, 'create anomalies'],
      [6, 'create audit_events'],
      [
        7,
        'add real_runs, real_run_operations, real_run_centicredits, real_run_duration_sum_ms, real_run_duration_sketch to metrics',
      ],
    ]);
    expect(recorded[0]!.applied_at).toBe('2026-01-01 00:00:00.000');
    // A second start (same transport, same database) applies nothing.
    await sink.start();
    expect(sink.migrationReport()).toEqual({ applied: [], alreadyApplied: [1, 2, 3, 4, 5, 6, 7] });
  });

  it('creates every column of every table spec with its type', async () => {
    const columns = await sink
      .transport()
      .query<{ table: string; name: string; type: string }>(
        "SELECT table, name, type FROM system.columns WHERE database = 'makestream' ORDER BY table, position",
      );
    for (const table of warehouseTables) {
      const actual = columns.filter((row) => row.table === table.name).map((row) => row.name);
      expect([table.name, actual]).toEqual([table.name, table.columns.map((c) => c.name)]);
    }
    const ddl = await sink.transport().query<{ statement: string }>('SHOW CREATE TABLE makestream.executions');
    expect(ddl[0]!.statement).toMatch(/ReplacingMergeTree[\s\S]*TTL toDateTime\(started_at\) \+ toIntervalDay\(30\)/);
  });

  it('writes every table; a re-sent batch is dropped by the server; a copy in another batch collapses under FINAL', async () => {
    const data = sampleWarehouse(200, { baseTime });
    for (const table of warehouseTables) {
      const values = data[table.topic]!;
      expect(values.length).toBeGreaterThan(0);
      const batch = sinkBatch(table.topic, values, 1, 1000);
      expect(await sink.write(batch)).toEqual({ failures: [] });
      // The same batch again (a retry after a timeout): same token, dropped by the server.
      expect(await sink.write(batch)).toEqual({ failures: [] });
      const name = sink.tableName(table.name);
      expect([table.name, await count(`SELECT count() AS n FROM ${name}`)]).toEqual([table.name, values.length]);
      // The same records in another batch (a crash after the insert, before the commit, then
      // re-batched differently): they get in, and FINAL shows each event once.
      const half = values.slice(0, Math.ceil(values.length / 2));
      expect(await sink.write(sinkBatch(table.topic, half, 1, 5000))).toEqual({ failures: [] });
      expect(await count(`SELECT count() AS n FROM ${name}`)).toBe(values.length + half.length);
      expect([table.name, await count(`SELECT count() AS n FROM ${name} FINAL`)]).toEqual([table.name, values.length]);
      expect(await count(`SELECT uniqExact(event_id) AS n FROM ${name}`)).toBe(values.length);
    }
  });

  it('stores values faithfully (times in UTC with milliseconds, nulls, arrays, maps)', async () => {
    // Recent (the table has a 30-day TTL), with milliseconds.
    const startedAt = Math.floor(Date.now() / 1000) * 1000 - 3_600_000 + 789;
    const [execution] = sampleExecutions(1, { baseTime: startedAt });
    const batch = sinkBatch('make.executions.raw.v1', [
      { ...execution!, eventId: '00000000-0000-5000-8000-000000000001' },
    ]);
    await sink.write(batch);
    const [row] = await sink
      .transport()
      .query<Record<string, unknown>>(
        "SELECT * FROM makestream.executions FINAL WHERE event_id = '00000000-0000-5000-8000-000000000001'",
      );
    expect(row).toMatchObject({
      started_at: new Date(startedAt).toISOString().replace('T', ' ').slice(0, 23),
      scenario_id: execution!.scenarioId,
      status: execution!.status,
      error_name: null,
      author_id: null,
      module_entries: 0,
    });
    const [log] = sampleLogs([execution!]);
    await sink.write(
      sinkBatch('make.logs.enriched.v1', [{ ...log!, eventId: '00000000-0000-5000-8000-000000000002' }]),
    );
    const [logRow] = await sink
      .transport()
      .query<Record<string, unknown>>(
        "SELECT tags, labels, timestamp FROM makestream.logs FINAL WHERE event_id = '00000000-0000-5000-8000-000000000002'",
      );
    expect(logRow).toEqual({ tags: ['orders'], labels: { environment: 'production' }, timestamp: row!.started_at });
  });

  it('reports the one bad record of a batch and writes the others', async () => {
    const executions = sampleExecutions(10, { baseTime });
    const bad = executions.map((execution, i) =>
      i === 4
        ? { ...execution, eventId: '00000000-0000-5000-8000-0000000000b4', duration: -5 }
        : { ...execution, eventId: `00000000-0000-5000-8000-0000000000a${i}` },
    );
    const result = await sink.write(sinkBatch('make.executions.raw.v1', bad, 2, 0));
    expect(result.failures.map((failure) => failure.index)).toEqual([4]);
    expect(result.failures[0]!.error).toBeInstanceOf(InvalidRecordError);
    expect(result.failures[0]!.error.message).toMatch(/duration_ms: -5/);
    expect(
      await count(
        "SELECT count() AS n FROM makestream.executions FINAL WHERE toString(event_id) LIKE '00000000-0000-5000-8000-0000000000a%'",
      ),
    ).toBe(9);
  });

  it('finds rows the server refuses (not caught before sending) by bisection', async () => {
    // A table whose column is a number while the spec says text: "12" parses, "x" does not.
    await sink
      .transport()
      .command(
        'CREATE TABLE makestream.bisect (event_id String, n UInt8) ENGINE = MergeTree ORDER BY event_id SETTINGS non_replicated_deduplication_window = 100',
      );
    const spec: TableSpec<{ eventId: string; n: string }> = {
      name: 'bisect',
      topic: 'test.v1',
      schema: 'none',
      description: 'test',
      createdIn: 1,
      orderBy: ['event_id'],
      timeColumn: 'event_id',
      partition: 'day',
      columns: [column('event_id', text(), 'id', (e) => e.eventId, 1), column('n', text(), 'n', (e) => e.n, 1)],
    };
    const writer = createTableWriter({
      transport: sink.transport(),
      table: 'makestream.bisect',
      encoder: createRowEncoder(spec as never, currentDialect, 'JSONEachRow'),
      insertDedupToken: true,
    });
    const values = Array.from({ length: 37 }, (_, i) => ({
      eventId: `r${i}`,
      n: i === 5 || i === 30 ? 'x' : String(i),
    }));
    const failures = await writer.write(values, 'bisect/0/0-36');
    expect(failures.map((failure) => failure.index)).toEqual([5, 30]);
    expect(failures.every((failure) => failure.error instanceof InvalidRecordError && !failure.error.retriable)).toBe(
      true,
    );
    expect(await count('SELECT count() AS n FROM makestream.bisect')).toBe(35);
    // A retry of the same batch sends the same parts with the same tokens: nothing is added.
    await writer.write(values, 'bisect/0/0-36');
    expect(await count('SELECT count() AS n FROM makestream.bisect')).toBe(35);
  });

  it('throws a permanent error for a topic it has no table for', async () => {
    await expect(sink.write(sinkBatch('make.webhook.raw.v1', [{ eventId: 'x' }]))).rejects.toMatchObject({
      retriable: false,
      message: /no table for topic make\.webhook\.raw\.v1/,
    });
  });

  it('is healthy while chDB answers', async () => {
    expect(await sink.health()).toEqual({ healthy: true, detail: expect.stringContaining('answers') });
  });

  it('applies a changed retention at start (MODIFY TTL, REMOVE TTL) and leaves it when unchanged', async () => {
    const path = join(directory, 'chdb');
    const restart = async (ttl: Record<string, unknown>) => {
      const other = createClickHouseSink(parseClickHouseSinkConfig({ embedded: { path }, ...ttl }));
      try {
        await other.start();
        return other.retentionChanges();
      } finally {
        await other.close();
      }
    };
    expect(await restart({ ttlDays: 30 })).toEqual([]);
    expect(await restart({ ttlDays: 30, ttlDaysByTable: { logs: 7, audit_events: 0 } })).toEqual([
      { table: 'logs', fromDays: 30, toDays: 7 },
      { table: 'audit_events', fromDays: 30, toDays: 0 },
    ]);
    const engines = await sink
      .transport()
      .query<{ name: string; engine_full: string }>(
        "SELECT name, engine_full FROM system.tables WHERE database = 'makestream' AND name IN ('logs', 'audit_events', 'executions') ORDER BY name",
      );
    expect(engines.map((row) => [row.name, /TTL[^S]*/.exec(row.engine_full)?.[0]?.trim() ?? null])).toEqual([
      ['audit_events', null],
      ['executions', 'TTL toDateTime(started_at) + toIntervalDay(30)'],
      ['logs', 'TTL toDateTime(timestamp) + toIntervalDay(7)'],
    ]);
    expect(await restart({ ttlDays: 30 })).toEqual([
      { table: 'logs', fromDays: 7, toDays: 30 },
      { table: 'audit_events', fromDays: 0, toDays: 30 },
    ]);
  });

  it('refuses a database migrated by a newer makestream', async () => {
    await sink
      .transport()
      .command(
        "INSERT INTO makestream.schema_migrations (version, name, applied_at) VALUES (99, 'from the future', now())",
      );
    await expect(sink.start()).rejects.toThrow(ConfigError);
    await expect(sink.start()).rejects.toThrow(/migration 99 \("from the future"\)/);
    await sink
      .transport()
      .command('ALTER TABLE makestream.schema_migrations DELETE WHERE version = 99 SETTINGS mutations_sync = 1');
  });
});
