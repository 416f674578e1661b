import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../pipeline/errors/index.js';
import { currentDialect } from './column-types.js';
import type { DdlContext } from './ddl.js';
import { migrate, type Migration } from './migrations.js';
import type { ClickHouseTransport, InsertRequest } from './transport.js';

const context: DdlContext = {
  database: 'db',
  tablePrefix: 'p_',
  dialect: currentDialect,
  ttlDays: {},
  deduplicationWindow: 10,
};

/** A fake server that remembers the applied migrations it is told about. */
function fakeServer(applied: { version: number; name: string }[] = []) {
  const commands: string[] = [];
  const inserts: InsertRequest[] = [];
  const transport: ClickHouseTransport = {
    kind: 'chdb',
    target: 'fake',
    command: async (sql) => {
      commands.push(sql);
    },
    query: async <Row>() => applied.map((row) => ({ ...row, version: String(row.version) })) as Row[],
    insert: async (request) => {
      inserts.push(request);
    },
    close: async () => undefined,
  };
  return { transport, commands, inserts };
}

const step = (version: number, name: string): Migration => ({
  version,
  name,
  table: 't',
  statements: () => [`-- ${version}`],
});

describe('migrate', () => {
  it('creates the database and the migrations table, then applies the missing migrations in version order', async () => {
    const { transport, commands, inserts } = fakeServer([{ version: 1, name: 'create executions' }]);
    const report = await migrate(transport, context, {
      list: [step(3, 'create metrics'), step(1, 'create executions'), step(2, 'create logs')],
      now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6),
    });
    expect(report).toEqual({ applied: [2, 3], alreadyApplied: [1] });
    expect(commands[0]).toBe('CREATE DATABASE IF NOT EXISTS `db`');
    expect(commands[1]).toMatch(
      /^CREATE TABLE IF NOT EXISTS `db`.`p_schema_migrations` \(version UInt32, name String, applied_at DateTime64\(3, 'UTC'\)\) ENGINE = ReplacingMergeTree ORDER BY version$/,
    );
    expect(commands.slice(2)).toEqual(['-- 2', '-- 3']);
    expect(inserts.map((insert) => [insert.table, insert.body])).toEqual([
      ['db.p_schema_migrations', '{"version":2,"name":"create logs","applied_at":"2026-01-02 03:04:05.006"}\n'],
      ['db.p_schema_migrations', '{"version":3,"name":"create metrics","applied_at":"2026-01-02 03:04:05.006"}\n'],
    ]);
  });

  it('refuses a database whose applied migration was renamed (an edited migration)', async () => {
    const { transport, commands } = fakeServer([{ version: 2, name: 'create the logs' }]);
    const attempt = migrate(transport, context, { list: [step(2, 'create logs')] });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(migrate(transport, context)).rejects.toThrow(
      /migration 2 was applied as "create the logs" but is now "create logs"/,
    );
    expect(commands.filter((sql) => sql.startsWith('--'))).toEqual([]);
  });

  it('stops at the first failing statement with the migration named and the error classified', async () => {
    const { transport, inserts } = fakeServer();
    const failing: ClickHouseTransport = {
      ...transport,
      command: async (sql) => {
        if (sql === '-- 2') throw Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' });
      },
    };
    await expect(
      migrate(failing, context, {
        list: [step(1, 'create executions'), step(2, 'create logs'), step(3, 'create metrics')],
      }),
    ).rejects.toMatchObject({ retriable: true, message: /migration 2 \(create logs\) failed \(retriable\)/ });
    expect(inserts.map((insert) => JSON.parse(String(insert.body)).version)).toEqual([1]);
  });
});
