import { describe, expect, it } from '@jest/globals';
import { poolConfig } from './client.js';
import { parsePostgresSinkConfig, retentionOf } from './config.js';
import { resolveMode } from './connector.js';

const secrets = (env: Record<string, string>) => ({ env, readFile: () => 'from-file\n' });

describe('PostgreSQL sink config', () => {
  it('has defaults for everything', () => {
    const config = parsePostgresSinkConfig(undefined);
    expect(config).toMatchObject({
      name: 'postgres',
      schema: 'makestream',
      connection: { host: '127.0.0.1', port: 5432, database: 'makestream', user: 'makestream' },
      partitioning: { mode: 'auto', interval: 'daily', premake: 4, retention: '90 days', compressAfter: '7 days' },
      pool: { max: 4 },
      batch: { maxRecords: 5_000, lingerMs: 1_000 },
      retry: { itemMaxAttempts: 10 },
      maxInFlightBatches: 2,
    });
    expect(config.tables).toEqual(['executions', 'logs', 'metrics', 'incidents', 'anomalies', 'audit_events']);
  });

  it('refuses inline passwords, unknown fields, bad schema names and intervals', () => {
    expect(() => parsePostgresSinkConfig({ connection: { password: 'hunter2' } })).toThrow(
      /secrets are never written inline/,
    );
    expect(() => parsePostgresSinkConfig({ hostname: 'x' })).toThrow(/sinks\.postgres\.hostname: unknown field/);
    expect(() => parsePostgresSinkConfig({ schema: 'Bad-Name' })).toThrow(
      /sinks\.postgres\.schema: a lowercase SQL identifier/,
    );
    expect(() => parsePostgresSinkConfig({ partitioning: { retention: 'forever' } })).toThrow(/an interval such as/);
    expect(() => parsePostgresSinkConfig({ tables: ['nope'] })).toThrow();
  });

  it('takes per-table retention over the default', () => {
    const config = parsePostgresSinkConfig({
      partitioning: { retention: '30 days', retentionByTable: { audit_events: '1 year', metrics: null } },
    });
    expect(retentionOf(config.partitioning, 'audit_events')).toBe('1 year');
    expect(retentionOf(config.partitioning, 'metrics')).toBeNull();
    expect(retentionOf(config.partitioning, 'executions')).toBe('30 days');
  });

  it('reads the password or the connection string from env or file, and pins sessions to UTC', () => {
    const byParts = poolConfig(
      parsePostgresSinkConfig({ connection: { password: { env: 'PGPW' } } }),
      secrets({ PGPW: 'pw' }),
    );
    expect(byParts).toMatchObject({
      host: '127.0.0.1',
      password: 'pw',
      options: '-c TimeZone=UTC',
      statement_timeout: 120_000,
    });
    const byUrl = poolConfig(
      parsePostgresSinkConfig({ connection: { url: { file: '/run/secrets/pg' } } }),
      secrets({}),
    );
    expect(byUrl.connectionString).toBe('from-file');
    expect(() =>
      poolConfig(parsePostgresSinkConfig({ connection: { password: { env: 'UNSET' } } }), secrets({})),
    ).toThrow('sinks.postgres.connection.password: environment variable UNSET is not set or empty');
  });
});

describe('partitioning mode', () => {
  it('prefers TimescaleDB, then pg_partman, then plain tables, unless the schema already has a mode', () => {
    expect(resolveMode('auto', { timescaledb: 'public', pg_partman: 'partman' }, undefined)).toBe('timescaledb');
    expect(resolveMode('auto', { pg_partman: 'partman' }, undefined)).toBe('pg_partman');
    expect(resolveMode('auto', {}, undefined)).toBe('none');
    expect(resolveMode('auto', { timescaledb: 'public' }, 'pg_partman')).toBe('pg_partman');
  });

  it('fails with the fix when a forced mode has no extension', () => {
    expect(() => resolveMode('timescaledb', { pg_partman: 'partman' }, undefined)).toThrow(
      /CREATE EXTENSION timescaledb/,
    );
    expect(() => resolveMode('pg_partman', {}, undefined)).toThrow(/CREATE EXTENSION pg_partman SCHEMA partman/);
  });
});
