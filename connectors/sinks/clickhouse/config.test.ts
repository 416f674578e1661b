import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../pipeline/errors/index.js';
import { readFileSync } from 'node:fs';
import { describeWarehouse, parseClickHouseSinkConfig, ttlDaysOf } from './config.js';
import { createClickHouseSink } from './connector.js';

describe('ClickHouse sink config', () => {
  it('defaults to embedded chDB, database makestream, every topic, 90 days', () => {
    const config = parseClickHouseSinkConfig(undefined);
    expect(config).toMatchObject({
      name: 'clickhouse',
      embedded: { path: '.makestream/chdb' },
      database: 'makestream',
      tablePrefix: '',
      ttlDays: 90,
      insertFormat: 'JSONCompactEachRow',
      batch: { maxRecords: 10_000, lingerMs: 500 },
      maxInFlightBatches: 2,
    });
    expect(config.url).toBeUndefined();
    expect(config.topics).toHaveLength(6);
    expect(ttlDaysOf(parseClickHouseSinkConfig({ ttlDaysByTable: { logs: 14 } }))).toMatchObject({
      logs: 14,
      executions: 90,
      audit_events: 90,
    });
  });

  it('names every bad field, and refuses unknown fields and inline passwords', () => {
    const attempt = () =>
      parseClickHouseSinkConfig({
        url: 'ftp://x',
        database: 'bad-name',
        password: 'inline',
        topics: ['make.webhook.raw.v1'],
        ttlDaysByTable: { nope: 3 },
        colour: 'blue',
      });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const field of ['url', 'database', 'password', 'topics.0', 'ttlDaysByTable', 'colour']) {
      expect(message).toContain(`sinks.clickhouse.${field}`);
    }
  });

  it('reads the password from the environment when it connects, not before', () => {
    const config = parseClickHouseSinkConfig({ url: 'https://ch.example:8443', password: { env: 'CH_PASSWORD' } });
    const sink = createClickHouseSink(config, {
      environment: { env: {}, readFile: (path) => readFileSync(path, 'utf8') },
    });
    expect(sink.topics.map((topic) => topic.topic)).toContain('make.audit.raw.v1');
    expect(() => sink.transport()).toThrow(/sinks\.clickhouse\.password: environment variable CH_PASSWORD is not set/);
  });

  it('says where the rows go without credentials', () => {
    expect(describeWarehouse(parseClickHouseSinkConfig({}))).toMatch(
      /^chDB at \.makestream\/chdb, database makestream \(tables executions, logs, metrics, incidents, anomalies, audit_events\)/,
    );
    expect(
      describeWarehouse(
        parseClickHouseSinkConfig({ url: 'https://user:secret@ch.example:8443', topics: ['make.audit.raw.v1'] }),
      ),
    ).toBe('ClickHouse at https://ch.example:8443, database makestream (tables audit_events)');
  });
});
