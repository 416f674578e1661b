import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { topicCatalogue } from '../../../pipeline/topics.js';
import { currentDialect, legacyDialect } from './column-types.js';
import { addColumnsStatements, createTableStatement, type DdlContext } from './ddl.js';
import { migrations } from './migrations.js';
import { ttlDaysInEngine } from './retention.js';
import { warehouseTables } from './tables/index.js';

const context: DdlContext = {
  database: 'makestream',
  tablePrefix: 'ms_',
  dialect: currentDialect,
  ttlDays: { executions: 30 },
  deduplicationWindow: 500,
};

const snake = (field: string): string => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

describe('warehouse tables', () => {
  it.each(warehouseTables.map((table) => [table.name, table] as const))(
    '%s: stores every field of its topic schema',
    (_name, table) => {
      const schema = JSON.parse(
        readFileSync(new URL(`../../../schemas/${table.schema}.avsc`, import.meta.url), 'utf8'),
      ) as {
        fields: { name: string }[];
      };
      const names = new Set(table.columns.map((column) => column.name));
      const missing = schema.fields
        .map((field) => field.name)
        .filter((field) => {
          const column = table.fieldAliases?.[field] ?? snake(field);
          return !names.has(column) && ![...names].some((name) => name.startsWith(`${column}_`));
        });
      // A new schema field needs a column: one line in tables/<table>.ts (since: N) and addColumns(<table>, N).
      expect(missing).toEqual([]);
    },
  );

  it.each(warehouseTables.map((table) => [table.name, table] as const))(
    '%s: unique columns, a non-nullable sorting key ending with event_id, a known topic',
    (_name, table) => {
      const names = table.columns.map((column) => column.name);
      expect(new Set(names).size).toBe(names.length);
      expect(table.orderBy[table.orderBy.length - 1]).toBe('event_id');
      for (const key of [...table.orderBy, table.timeColumn]) {
        const column = table.columns.find((candidate) => candidate.name === key);
        expect(column ? Boolean(column.type.nullable) : 'missing').toBe(false);
      }
      const topic = topicCatalogue.find((candidate) => candidate.name === table.topic);
      expect(topic?.valueSchema).toBe(table.schema);
    },
  );

  it('each table is created by its own migration, versions in order from 1, then added columns', () => {
    expect(migrations.map((migration) => migration.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const created = migrations.slice(0, warehouseTables.length);
    expect(created.map((migration) => migration.table)).toEqual(warehouseTables.map((table) => table.name));
    expect(migrations[6]!.table).toBe('metrics');
  });
});

describe('DDL', () => {
  const executions = warehouseTables[0]!;

  it('creates a ReplacingMergeTree with partitions, sorting key, TTL and the dedup window', () => {
    const sql = createTableStatement(executions, context);
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS `makestream`.`ms_executions`');
    expect(sql).toContain('ENGINE = ReplacingMergeTree');
    expect(sql).toContain('PARTITION BY toYYYYMMDD(`started_at`)');
    expect(sql).toContain('ORDER BY (`organization_id`, `team_id`, `scenario_id`, `started_at`, `event_id`)');
    expect(sql).toContain('TTL toDateTime(`started_at`) + INTERVAL 30 DAY');
    expect(sql).toContain('non_replicated_deduplication_window = 500');
    expect(sql).toContain(
      "`started_at` DateTime64(3, 'UTC') COMMENT 'Start of the execution (UTC, ms). The event time.'",
    );
  });

  it('leaves out the TTL when retention is 0, and what the legacy server lacks', () => {
    const metrics = warehouseTables.find((table) => table.name === 'metrics')!;
    expect(createTableStatement(metrics, context)).not.toContain('TTL');
    const legacy = createTableStatement(executions, { ...context, dialect: legacyDialect });
    expect(legacy).not.toMatch(/TTL|DateTime64|LowCardinality|COMMENT|deduplication_window/);
    expect(legacy).toContain("`started_at` DateTime('UTC')");
  });

  it('quotes names that need it in comments', () => {
    const audit = warehouseTables.find((table) => table.name === 'audit_events')!;
    expect(createTableStatement(audit, context)).toContain("COMMENT 'Make\\'s id of the audit entry.'");
  });

  it('adds only the columns of a later migration', () => {
    const table = {
      ...executions,
      columns: [...executions.columns, { ...executions.columns[1]!, name: 'error_class', since: 7 }],
    };
    expect(createTableStatement(table, context)).not.toContain('error_class');
    expect(addColumnsStatements(table, 7, context)).toEqual([
      "ALTER TABLE `makestream`.`ms_executions` ADD COLUMN IF NOT EXISTS `error_class` UInt64 COMMENT 'Make organization id.'",
    ]);
    expect(() => addColumnsStatements(table, 8, context)).toThrow(/since: 8/);
  });
});

describe('retention in the engine description', () => {
  it("reads the sink's own TTL, none, or someone else's", () => {
    const engine = (ttl: string) =>
      `ReplacingMergeTree PARTITION BY toYYYYMMDD(started_at) ORDER BY (event_id) ${ttl}SETTINGS index_granularity = 8192`;
    expect(ttlDaysInEngine(engine('TTL toDateTime(started_at) + toIntervalDay(45) '), 'started_at')).toBe(45);
    expect(ttlDaysInEngine(engine(''), 'started_at')).toBe(0);
    expect(ttlDaysInEngine(engine('TTL toDateTime(started_at) + toIntervalMonth(2) '), 'started_at')).toBe('custom');
  });
});
