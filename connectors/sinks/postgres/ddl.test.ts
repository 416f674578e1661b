import { describe, expect, it } from '@jest/globals';
import {
  createTableStatements,
  partmanPolicyStatements,
  partmanStatements,
  timescalePolicyStatements,
  timescaleStatements,
  type DdlContext,
} from './ddl.js';
import { migrations } from './migrations.js';
import { tableForTopic, warehouseTables } from './tables.js';

const context = (mode: DdlContext['mode']): DdlContext => ({
  schema: 'makestream',
  mode,
  interval: 'daily',
  premake: 4,
  partmanSchema: 'partman',
});
const executions = tableForTopic('make.executions.raw.v1')!;

describe('warehouse DDL', () => {
  it('keys every table on (time, event_id) and range-partitions on time only for pg_partman', () => {
    for (const table of warehouseTables) {
      const [create] = createTableStatements(context('pg_partman'), table);
      expect(create).toMatch(
        /^CREATE TABLE IF NOT EXISTS "makestream"\."[a-z_]+" \(\n {2}"time" timestamptz NOT NULL,\n {2}"event_id" uuid NOT NULL,/,
      );
      expect(create).toMatch(/PRIMARY KEY \("time", "event_id"\)\n\) PARTITION BY RANGE \("time"\)$/);
      expect(createTableStatements(context('timescaledb'), table)[0]).toMatch(
        /PRIMARY KEY \("time", "event_id"\)\n\)$/,
      );
    }
  });

  it('creates the indexes analysts need, partial and gin ones included', () => {
    const statements = createTableStatements(context('none'), executions);
    expect(statements).toContain(
      `CREATE INDEX IF NOT EXISTS "executions_errors" ON "makestream"."executions" (scenario_id, time DESC) WHERE status = 'ERROR'`,
    );
    const logs = createTableStatements(context('none'), tableForTopic('make.logs.enriched.v1')!);
    expect(logs).toContain(`CREATE INDEX IF NOT EXISTS "logs_tags" ON "makestream"."logs" USING gin (tags)`);
  });

  it('hands parents to pg_partman 4.x (native, daily, premake) once', () => {
    expect(partmanStatements(context('pg_partman'), executions)).toEqual([
      `SELECT "partman".create_parent(p_parent_table => 'makestream.executions', p_control => 'time', p_type => 'native', ` +
        `p_interval => 'daily', p_premake => 4, p_jobmon => false)\n WHERE NOT EXISTS (SELECT 1 FROM "partman".part_config WHERE parent_table = 'makestream.executions')`,
    ]);
  });

  it('sets pg_partman retention per table, null keeping everything', () => {
    const statements = partmanPolicyStatements(context('pg_partman'), {
      retention: (table) => (table === 'audit_events' ? null : '30 days'),
      compressAfter: null,
    });
    expect(statements).toHaveLength(6);
    expect(statements[0]).toBe(
      `UPDATE "partman".part_config SET retention = '30 days', retention_keep_table = false, retention_keep_index = false, ` +
        `infinite_time_partitions = true, premake = 4 WHERE parent_table = 'makestream.executions'`,
    );
    expect(statements[5]).toMatch(
      /^UPDATE "partman".part_config SET retention = NULL, .* WHERE parent_table = 'makestream.audit_events'$/,
    );
  });

  // The TimescaleDB path cannot run here (not installable): its SQL is checked as text.
  it('makes TimescaleDB hypertables with chunk interval and segmented compression', () => {
    expect(timescaleStatements({ ...context('timescaledb'), interval: 'weekly' }, executions)).toEqual([
      `SELECT create_hypertable('makestream.executions', 'time', chunk_time_interval => INTERVAL '1 week', if_not_exists => TRUE)`,
      `ALTER TABLE "makestream"."executions" SET (timescaledb.compress, timescaledb.compress_segmentby = 'scenario_id', ` +
        `timescaledb.compress_orderby = '"time" DESC, event_id')`,
    ]);
  });

  it('replaces TimescaleDB retention and compression policies idempotently', () => {
    const statements = timescalePolicyStatements(context('timescaledb'), {
      retention: (table) => (table === 'executions' ? '90 days' : null),
      compressAfter: '7 days',
    });
    expect(statements.slice(0, 4)).toEqual([
      `SELECT remove_retention_policy('makestream.executions', if_exists => TRUE)`,
      `SELECT add_retention_policy('makestream.executions', INTERVAL '90 days')`,
      `SELECT remove_compression_policy('makestream.executions', if_exists => TRUE)`,
      `SELECT add_compression_policy('makestream.executions', INTERVAL '7 days')`,
    ]);
    expect(statements.slice(4, 7)).toEqual([
      `SELECT remove_retention_policy('makestream.logs', if_exists => TRUE)`,
      `SELECT remove_compression_policy('makestream.logs', if_exists => TRUE)`,
      `SELECT add_compression_policy('makestream.logs', INTERVAL '7 days')`,
    ]);
  });
});

describe('migrations', () => {
  it('are numbered 1…n without gaps, and migration 3 adds nullable columns idempotently', () => {
    expect(migrations.map((migration) => migration.version)).toEqual(migrations.map((_, index) => index + 1));
    const third = migrations[2]!.statements(context('pg_partman'));
    expect(third).toContain(`ALTER TABLE "makestream"."logs" ADD COLUMN IF NOT EXISTS "error_class" text`);
    expect(third).toContain(
      `ALTER TABLE "makestream"."incidents" ADD COLUMN IF NOT EXISTS "affected_scenario_ids" jsonb`,
    );
    expect(third.filter((statement) => statement.startsWith('CREATE OR REPLACE VIEW'))).toHaveLength(2);
  });

  it('create every table before partitioning it, in each mode', () => {
    for (const mode of ['pg_partman', 'timescaledb', 'none'] as const) {
      const [tables, partitioning] = migrations.map((migration) => migration.statements(context(mode)));
      expect(tables!.filter((statement) => statement.startsWith('CREATE TABLE'))).toHaveLength(warehouseTables.length);
      expect(partitioning).toHaveLength(mode === 'none' ? 0 : mode === 'pg_partman' ? 6 : 12);
    }
  });
});
