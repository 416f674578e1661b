import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { SinkConnector } from '../../../pipeline/sink/api.js';
import { requireService } from '../../../test/support/services.js';
import { createPostgresSink } from './connector.js';
import { warehouseTables } from './tables.js';
import { batchOf, dropTestSchema, localSinkConfig, makeEvent, makeEvents, testSchemaName } from './testing.js';

const EXECUTIONS = 'make.executions.raw.v1';

describe('PostgreSQL sink on PostgreSQL 15 + pg_partman (local stack)', () => {
  const schema = testSchemaName();
  let url: string;
  let admin: pg.Client;
  let sink: SinkConnector;

  const count = async (table: string, where = 'true'): Promise<number> => {
    const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table} WHERE ${where}`);
    return Number(rows[0]!.n);
  };

  beforeAll(async () => {
    url = (await requireService('postgres')).endpoints.url!;
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  }, 30_000);

  afterAll(async () => {
    await sink?.close();
    await admin?.end();
    if (url) await dropTestSchema(url, schema);
  }, 30_000);

  it('migrates once even when two instances start together, and again is a no-op', async () => {
    const first = createPostgresSink(localSinkConfig(url, schema));
    const second = createPostgresSink(localSinkConfig(url, schema));
    await Promise.all([first.start(), second.start()]);
    await second.close();
    sink = first;
    const again = createPostgresSink(localSinkConfig(url, schema));
    await again.start();
    await again.close();

    const migrations = await admin.query<{ version: number; partitioning: string }>(
      `SELECT version, partitioning FROM "${schema}".schema_migrations ORDER BY version`,
    );
    expect(migrations.rows).toEqual([
      { version: 1, partitioning: 'pg_partman' },
      { version: 2, partitioning: 'pg_partman' },
      { version: 3, partitioning: 'pg_partman' },
      { version: 4, partitioning: 'pg_partman' },
    ]);
    const parents = await admin.query<{ parent_table: string; partition_interval: string; retention: string }>(
      `SELECT parent_table, partition_interval, retention FROM partman.part_config WHERE parent_table LIKE $1 ORDER BY 1`,
      [`${schema}.%`],
    );
    expect(parents.rows.map((row) => row.parent_table)).toEqual(
      warehouseTables.map((table) => `${schema}.${table.name}`).sort(),
    );
    expect(new Set(parents.rows.map((row) => row.partition_interval))).toEqual(new Set(['1 day']));
    expect(new Set(parents.rows.map((row) => row.retention))).toEqual(new Set(['90 days']));
    expect(await sink.health()).toEqual({ healthy: true, detail: `schema ${schema} v4, pg_partman` });
  }, 60_000);

  it('writes a batch of every table with exact counts, and a re-sent batch leaves one copy', async () => {
    for (const table of warehouseTables) {
      const batch = batchOf(table.topic, makeEvents(table.topic, 250));
      expect(await sink.write(batch)).toEqual({ failures: [] });
      expect(await sink.write(batch)).toEqual({ failures: [] });
      // A batch overlapping the first one (a retry after a partial crash) adds only the new events.
      const overlapping = batchOf(table.topic, makeEvents(table.topic, 300), 0);
      expect(await sink.write(overlapping)).toEqual({ failures: [] });
      expect(await count(table.name)).toBe(300);
      const distinct = await admin.query<{ n: string }>(
        `SELECT count(DISTINCT event_id) AS n FROM "${schema}".${table.name}`,
      );
      expect(Number(distinct.rows[0]!.n)).toBe(300);
    }
    const row = await admin.query(
      `SELECT scenario_id, status, error_name, modules->0->>'moduleName' AS module, duration_ms
         FROM "${schema}".executions WHERE status = 'ERROR' ORDER BY time LIMIT 1`,
    );
    expect(row.rows[0]).toEqual({
      scenario_id: '1004',
      status: 'ERROR',
      error_name: 'DataError',
      module: 'Add a row',
      duration_ms: '660',
    });
  }, 120_000);

  it('reports a bad item alone, whether the encoder or PostgreSQL refuses it', async () => {
    // A CHECK constraint only the server knows: found by splitting the batch.
    await admin.query(
      `ALTER TABLE "${schema}".executions ADD CONSTRAINT duration_not_negative CHECK (duration_ms >= 0)`,
    );
    const start = Date.parse('2026-02-01T00:00:00Z');
    const values = makeEvents(EXECUTIONS, 40, start, 1_000).map((value, index) => {
      if (index === 5) return { ...value, authorName: 'nul\u0000byte' };
      if (index === 17) return { ...value, timestamp: 9e15 };
      if (index === 23) return { ...value, duration: -1 };
      if (index === 31) return { ...value, eventId: 'not-a-uuid' };
      return value;
    });
    const result = await sink.write(batchOf(EXECUTIONS, values, 1_000));
    expect(result.failures.map((failure) => failure.index)).toEqual([5, 17, 23, 31]);
    expect(result.failures.every((failure) => !failure.error.retriable)).toBe(true);
    expect(result.failures[0]!.error.message).toMatch(/author_name: contains a NUL character/);
    expect(result.failures[1]!.error.message).toMatch(/time: 9000000000000000 ms is outside the years 1 to 9999/);
    expect(result.failures[2]!.error.message).toMatch(/duration_not_negative.*\[23514\]/);
    expect(result.failures[3]!.error.message).toMatch(/event_id: expected a UUID/);
    expect(await count('executions', `time >= '2026-02-01' AND time < '2026-02-02'`)).toBe(36);
  }, 60_000);

  it('creates pg_partman partitions for the days of the data, old and future, and leaves the default partition empty', async () => {
    const days = ['2019-03-05T10:00:00Z', '2019-03-06T23:59:59.999Z', '2031-07-01T00:00:00Z'];
    const values = days.map((day, index) => makeEvent(EXECUTIONS, 50_000 + index, Date.parse(day)));
    expect(await sink.write(batchOf(EXECUTIONS, values, 5_000))).toEqual({ failures: [] });
    const partitions = await admin.query<{ partition_tablename: string }>(
      `SELECT partition_tablename FROM partman.show_partitions($1)`,
      [`${schema}.executions`],
    );
    const names = partitions.rows.map((row) => row.partition_tablename);
    expect(names).toEqual(
      expect.arrayContaining(['executions_p2019_03_05', 'executions_p2019_03_06', 'executions_p2031_07_01']),
    );
    const where = await admin.query<{ partition: string }>(
      `SELECT tableoid::regclass::text AS partition FROM "${schema}".executions WHERE time < '2020-01-01' OR time > '2030-01-01' ORDER BY time`,
    );
    expect(where.rows.map((row) => row.partition)).toEqual([
      `${schema}.executions_p2019_03_05`,
      `${schema}.executions_p2019_03_06`,
      `${schema}.executions_p2031_07_01`,
    ]);
    expect(await count('executions_default')).toBe(0);
  }, 60_000);

  it('writes through staging in writeMode staging, re-sends included, and after a conflict in direct-first mode', async () => {
    const staging = createPostgresSink(localSinkConfig(url, schema, { writeMode: 'staging' }));
    await staging.start();
    try {
      const start = Date.parse('2026-03-01T00:00:00Z');
      const values = makeEvents(EXECUTIONS, 120, start, 1_000).map((value, index) =>
        makeEvent(EXECUTIONS, 80_000 + index, value.timestamp as number),
      );
      expect(await staging.write(batchOf(EXECUTIONS, values.slice(0, 80)))).toEqual({ failures: [] });
      expect(await staging.write(batchOf(EXECUTIONS, values))).toEqual({ failures: [] });
      // The direct-first sink meets the same rows again: its COPY conflicts, staging takes over.
      expect(await sink.write(batchOf(EXECUTIONS, values))).toEqual({ failures: [] });
      expect(await count('executions', `time >= '2026-03-01' AND time < '2026-03-02'`)).toBe(120);
    } finally {
      await staging.close();
    }
  }, 60_000);

  it('throws a retriable error for a statement timeout (table locked) and writes the batch once on retry', async () => {
    const impatient = createPostgresSink(localSinkConfig(url, schema, { pool: { statementTimeoutMs: 300 } }));
    await impatient.start();
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      const batch = batchOf(EXECUTIONS, makeEvents(EXECUTIONS, 30, Date.parse('2026-04-01T00:00:00Z'), 1_000), 9_000);
      await locker.query(`BEGIN; LOCK TABLE "${schema}".executions IN ACCESS EXCLUSIVE MODE`);
      const failed = await impatient.write(batch).then(
        () => undefined,
        (error: unknown) => error as { retriable?: boolean; message?: string },
      );
      expect(failed?.retriable).toBe(true);
      expect(failed?.message).toMatch(/will retry.*\[57014\]/);
      await locker.query('ROLLBACK');
      expect(await impatient.write(batch)).toEqual({ failures: [] });
      expect(await impatient.write(batch)).toEqual({ failures: [] });
      expect(await count('executions', `time >= '2026-04-01' AND time < '2026-04-02'`)).toBe(30);
    } finally {
      await locker.end();
      await impatient.close();
    }
  }, 60_000);

  it('fails start with a retriable error while the server cannot be reached', async () => {
    const unreachable = createPostgresSink(
      localSinkConfig('postgres://makestream:makestream@127.0.0.1:1/makestream', schema, {
        pool: { connectTimeoutMs: 500 },
      }),
    );
    await expect(unreachable.start()).rejects.toMatchObject({
      retriable: true,
      message: expect.stringMatching(/ECONNREFUSED/),
    });
    await unreachable.close();
  }, 30_000);

  it('brings a schema made before migrations 3 and 4 up to date (columns added to every partition)', async () => {
    await admin.query(`ALTER TABLE "${schema}".logs DROP COLUMN error_class, DROP COLUMN record_count`);
    // CASCADE drops incidents_latest and metrics_latest, which migrations 3 and 4 must re-create (with the columns).
    await admin.query(`ALTER TABLE "${schema}".incidents DROP COLUMN root_cause CASCADE`);
    await admin.query(`ALTER TABLE "${schema}".metrics DROP COLUMN real_runs CASCADE`);
    await admin.query(`DELETE FROM "${schema}".schema_migrations WHERE version IN (3, 4)`);
    const upgrading = createPostgresSink(localSinkConfig(url, schema));
    await upgrading.start();
    await upgrading.close();
    const columns = await admin.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = $1 AND column_name IN ('error_class', 'record_count', 'root_cause', 'real_runs') ORDER BY 1, 2`,
      [schema],
    );
    const found = columns.rows.map((row) => `${row.table_name}.${row.column_name}`);
    expect(found).toEqual(
      expect.arrayContaining(['incidents.root_cause', 'logs.error_class', 'logs.record_count', 'metrics.real_runs']),
    );
    // Every child partition has them too.
    expect(found.filter((name) => name.startsWith('logs_p') && name.endsWith('.error_class')).length).toBeGreaterThan(
      3,
    );
    const view = await admin.query(`SELECT root_cause, error_class FROM "${schema}".incidents_latest LIMIT 1`);
    expect(view.fields.map((field) => field.name)).toEqual(['root_cause', 'error_class']);
    const metricsView = await admin.query(`SELECT real_runs FROM "${schema}".metrics_latest LIMIT 1`);
    expect(metricsView.fields.map((field) => field.name)).toEqual(['real_runs']);
    const versions = await admin.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(versions.rows.map((row: { version: number }) => row.version)).toEqual([1, 2, 3, 4]);
  }, 60_000);

  it('fails start with a configuration error when the schema was made with another partitioning mode', async () => {
    const other = createPostgresSink(localSinkConfig(url, schema, { partitioning: { mode: 'none' } }));
    await expect(other.start()).rejects.toThrow(/partitioned with pg_partman.*partitioning.mode: pg_partman/);
    await other.close();
  }, 30_000);
});
