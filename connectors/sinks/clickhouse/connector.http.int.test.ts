/**
 * The HTTP wire path against the local stack's Debian ClickHouse 18.16: the production DDL needs
 * 23.8+, so the sink must refuse the server; with the legacy dialect (a reduced table variant:
 * second-precision DateTime, no TTL, no insert tokens) the same transport, migrations, encoder,
 * bisection and error classification run over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../test/support/services.js';
import { ConfigError, InvalidRecordError } from '../../../pipeline/errors/index.js';
import { currentDialect, legacyDialect } from './column-types.js';
import { parseClickHouseSinkConfig } from './config.js';
import { createClickHouseSink, type ClickHouseSink } from './connector.js';
import { createRowEncoder } from './encode.js';
import { createTable } from './migrations.js';
import { auditEventsTable } from './tables/index.js';
import { column, text, type TableSpec } from './tables/spec.js';
import { sampleAudit, sinkBatch } from './testing.js';
import { createHttpTransport } from './transport-http.js';
import type { ClickHouseTransport } from './transport.js';
import { createTableWriter } from './writer.js';

describe('ClickHouse sink over HTTP (Debian ClickHouse 18.16)', () => {
  const database = `makestream_it_${process.pid}_${Date.now()}`;
  let url: string;
  let sink: ClickHouseSink;
  let admin: ClickHouseTransport;
  const config = () =>
    parseClickHouseSinkConfig({
      url,
      database,
      topics: ['make.audit.raw.v1'],
      // 18.16 predates JSONCompactEachRow (19.x).
      insertFormat: 'JSONEachRow',
      compressRequests: true,
      requestTimeoutMs: 10_000,
    });
  const count = async (sql: string): Promise<number> => Number((await admin.query<{ n: string | number }>(sql))[0]?.n);

  beforeAll(async () => {
    url = (await requireService('clickhouse')).endpoints.http!;
    admin = createHttpTransport({ url, requestTimeoutMs: 10_000, maxOpenConnections: 2, compressRequests: false });
    sink = createClickHouseSink(config(), {
      dialect: legacyDialect,
      migrations: [createTable(auditEventsTable)],
      now: () => 1_767_225_600_000,
    });
  });

  afterAll(async () => {
    await admin?.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
    await sink?.close();
    await admin?.close();
  });

  it('refuses a server older than 23.8 and says why', async () => {
    const strict = createClickHouseSink(config());
    try {
      const error = await strict.start().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/version 18\.16\.[\d.]+; the sink needs 23\.8 or newer/);
    } finally {
      await strict.close();
    }
  });

  it('applies the (legacy) migrations once over HTTP', async () => {
    await sink.start();
    expect(sink.migrationReport()).toEqual({ applied: [6], alreadyApplied: [] });
    await sink.start();
    expect(sink.migrationReport()).toEqual({ applied: [], alreadyApplied: [6] });
    const rows = await admin.query<{ version: number; name: string; applied_at: string }>(
      `SELECT version, name, applied_at FROM ${database}.schema_migrations FINAL`,
    );
    expect(rows).toEqual([{ version: 6, name: 'create audit_events', applied_at: '2026-01-01 00:00:00' }]);
  });

  it('writes a batch (gzip body); a copy collapses under FINAL (18.16 has no insert tokens)', async () => {
    const audit = sampleAudit(30, { baseTime: Date.parse('2026-03-01T10:00:00.250Z') });
    const batch = sinkBatch('make.audit.raw.v1', audit, 0, 0);
    expect(await sink.write(batch)).toEqual({ failures: [] });
    expect(await count(`SELECT count() AS n FROM ${database}.audit_events FINAL`)).toBe(30);
    expect(await sink.write(batch)).toEqual({ failures: [] });
    expect(await count(`SELECT count() AS n FROM ${database}.audit_events`)).toBe(60);
    expect(await count(`SELECT count() AS n FROM ${database}.audit_events FINAL`)).toBe(30);
    const [row] = await admin.query<Record<string, unknown>>(
      `SELECT triggered_at, event_name, target_id, actor_anonymized, team_name FROM ${database}.audit_events FINAL ORDER BY triggered_at LIMIT 1`,
    );
    expect(row).toEqual({
      triggered_at: '2026-03-01 10:00:00',
      event_name: 'connection_created',
      target_id: '3107',
      actor_anonymized: 0,
      team_name: audit[0]!.teamName,
    });
  });

  it('finds the rows the server refuses by bisection, over HTTP', async () => {
    await admin.command(
      `CREATE TABLE ${database}.bisect (event_id String, n UInt8) ENGINE = MergeTree ORDER BY event_id`,
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
      table: `${database}.bisect`,
      encoder: createRowEncoder(spec as never, legacyDialect, 'JSONEachRow'),
      insertDedupToken: false,
    });
    const values = Array.from({ length: 20 }, (_, i) => ({ eventId: `r${i}`, n: i === 13 ? 'x' : String(i) }));
    const failures = await writer.write(values, 'bisect/0/0-19');
    expect(failures.map((failure) => failure.index)).toEqual([13]);
    expect(failures[0]!.error).toBeInstanceOf(InvalidRecordError);
    expect(await count(`SELECT count() AS n FROM ${database}.bisect`)).toBe(19);
  });

  it('classifies a missing table as permanent and an unreachable server as retriable', async () => {
    await admin.command(`DROP TABLE ${database}.bisect`);
    const writer = createTableWriter({
      transport: sink.transport(),
      table: `${database}.bisect`,
      encoder: createRowEncoder(auditEventsTable as never, currentDialect, 'JSONCompactEachRow'),
      insertDedupToken: false,
    });
    const audit = sampleAudit(2, { baseTime: Date.parse('2026-03-01T10:00:00Z') });
    await expect(writer.write(audit, 'tok')).rejects.toMatchObject({ retriable: false, message: /Code: 60/ });

    const unreachable = createClickHouseSink(
      parseClickHouseSinkConfig({ url: 'http://127.0.0.1:1', database, requestTimeoutMs: 2_000 }),
    );
    try {
      await expect(unreachable.start()).rejects.toMatchObject({ retriable: true, message: /ECONNREFUSED/ });
      expect(await unreachable.health()).toMatchObject({
        healthy: false,
        detail: expect.stringContaining('127.0.0.1:1'),
      });
    } finally {
      await unreachable.close();
    }
    expect(await sink.health()).toMatchObject({ healthy: true });
  });
});
