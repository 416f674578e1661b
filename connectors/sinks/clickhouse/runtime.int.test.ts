/**
 * The ClickHouse sink driven by the sink runtime (`startSink`) on an embedded log into chDB: Avro
 * records of three topics in several partitions; a poison record (a value the table cannot hold)
 * in the middle of a batch lands alone in the DLQ; a restart of the sink re-reads nothing it
 * committed, and a replay from offset 0 (new group) leaves every table with one copy per event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEmbeddedLog, type EmbeddedEventLog } from '../../../pipeline/log/embedded/index.js';
import {
  bindTopic,
  createAvroSerde,
  createEmbeddedSchemaStore,
  type AvroSerde,
} from '../../../pipeline/serde/index.js';
import { startSink } from '../../../pipeline/sink/index.js';
import { readAll, waitFor } from '../../../pipeline/sink/testing/harness.js';
import Database from '../../../pipeline/sqlite.js';
import { deadLetterTopic } from '../../../pipeline/topics.js';
import { parseClickHouseSinkConfig, type ClickHouseSinkConfig } from './config.js';
import { createClickHouseSink, type ClickHouseSink } from './connector.js';
import { sampleAudit, sampleExecutions, sampleLogs } from './testing.js';

describe('ClickHouse sink under the sink runtime (embedded log → chDB)', () => {
  let directory: string;
  let log: EmbeddedEventLog;
  let database: InstanceType<typeof Database>;
  let serde: AvroSerde;
  let config: ClickHouseSinkConfig;
  let sink: ClickHouseSink;
  const baseTime = Date.now() - 3_600_000;
  const executions = sampleExecutions(240, { baseTime });
  // Offset 100 of partition 1 (in the middle of a batch): a duration of -1 ms, which UInt64 cannot hold.
  const poison = { ...executions[201]!, duration: -1 };
  const logs = sampleLogs(executions);
  const audit = sampleAudit(40, { baseTime });
  const count = async (sql: string): Promise<number> =>
    Number((await sink.transport().query<{ n: number }>(sql))[0]?.n);

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'makestream-clickhouse-runtime-'));
    log = createEmbeddedLog({ path: join(directory, 'log.db'), synchronous: 'normal' });
    database = new Database(':memory:');
    serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
    await log.createTopics([
      { name: 'make.executions.raw.v1', partitions: 2 },
      { name: 'make.logs.enriched.v1', partitions: 2 },
      { name: 'make.audit.raw.v1', partitions: 1 },
    ]);
    const producer = await log.producer();
    const executionSerde = await bindTopic(serde, 'make.executions.raw.v1', 'scenario-execution');
    await producer.send(
      'make.executions.raw.v1',
      [...executions.slice(0, 201), poison, ...executions.slice(202)].map((value, i) => ({
        key: String(value.scenarioId),
        value: executionSerde.encode(value),
        partition: i < 101 ? 0 : 1,
      })),
    );
    const logSerde = await bindTopic(serde, 'make.logs.enriched.v1', 'enriched-log');
    await producer.send(
      'make.logs.enriched.v1',
      logs.map((value, i) => ({ key: String(value.scenarioId), value: logSerde.encode(value), partition: i % 2 })),
    );
    const auditSerde = await bindTopic(serde, 'make.audit.raw.v1', 'audit-event');
    await producer.send(
      'make.audit.raw.v1',
      audit.map((value) => ({ key: String(value.organizationId), value: auditSerde.encode(value), partition: 0 })),
    );
    await producer.close();
    config = parseClickHouseSinkConfig({
      embedded: { path: join(directory, 'chdb') },
      topics: ['make.executions.raw.v1', 'make.logs.enriched.v1', 'make.audit.raw.v1'],
      batch: { maxRecords: 50, lingerMs: 20 },
      retry: { initialMs: 5, maxMs: 20, itemMaxAttempts: 2 },
      healthIntervalMs: 200,
      lagIntervalMs: 200,
    });
    sink = createClickHouseSink(config);
  });

  afterAll(async () => {
    await sink?.close();
    await log?.close();
    database?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('writes every record once and dead-letters the poison record alone', async () => {
    const running = await startSink(sink, { ...config, log, serde });
    const total = executions.length + logs.length + audit.length;
    try {
      await waitFor(
        () => running.stats().written + running.stats().deadLettered === total,
        'every record handled',
        60_000,
      );
      await waitFor(
        () =>
          running.stats().committed['make.executions.raw.v1/1'] === 139 &&
          running.stats().committed['make.logs.enriched.v1/0'] === 120,
        'commits',
      );
      expect(running.stats()).toMatchObject({ deadLettered: 1, written: total - 1 });
    } finally {
      await running.stop();
    }

    expect(await count('SELECT count() AS n FROM makestream.executions FINAL')).toBe(executions.length - 1);
    expect(await count('SELECT count() AS n FROM makestream.logs FINAL')).toBe(logs.length);
    expect(await count('SELECT count() AS n FROM makestream.audit_events FINAL')).toBe(audit.length);
    expect(await count(`SELECT count() AS n FROM makestream.executions WHERE event_id = '${poison.eventId}'`)).toBe(0);

    const dead = await readAll(log, deadLetterTopic(config.name).name, 1);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.headers['makestream.dlq.partition']!.toString()).toBe('1');
    expect(dead[0]!.headers['makestream.dlq.offset']!.toString()).toBe('100');
    const envelope = await (
      await bindTopic(serde, deadLetterTopic(config.name).name, 'dead-letter')
    ).decode(dead[0]!.value!);
    expect(envelope).toMatchObject({ errorName: 'InvalidRecordError', retriable: false, originalOffset: 100 });
    expect(envelope.errorMessage).toMatch(/duration_ms: -1 is not an integer from 0/);
  });

  it('replays the whole log under a new group without a second copy of anything', async () => {
    const replay = createClickHouseSink({ ...config, name: 'clickhouse-replay' });
    try {
      const running = await startSink(replay, { ...config, log, serde });
      try {
        await waitFor(
          () =>
            running.stats().written + running.stats().deadLettered === executions.length + logs.length + audit.length,
          'replay handled',
          60_000,
        );
      } finally {
        await running.stop();
      }
    } finally {
      // chDB allows one data directory per process: every session must be closed for the next test file.
      await replay.close();
    }
    // Same batches, same tokens: the server dropped every insert.
    expect(await count('SELECT count() AS n FROM makestream.executions')).toBe(executions.length - 1);
    expect(await count('SELECT count() AS n FROM makestream.logs')).toBe(logs.length);
    expect(await count('SELECT count() AS n FROM makestream.audit_events')).toBe(audit.length);
  });

  it('with prepareOnDecode stores the very same rows and dead-letters the poison alone at decode time', async () => {
    const preparedConfig = {
      ...config,
      name: 'clickhouse-prepared',
      database: 'makestream_prepared',
      prepareOnDecode: true,
    };
    const prepared = createClickHouseSink(preparedConfig);
    try {
      const running = await startSink(prepared, { ...preparedConfig, log, serde });
      try {
        await waitFor(
          () =>
            running.stats().written + running.stats().deadLettered === executions.length + logs.length + audit.length,
          'prepared run handled',
          60_000,
        );
        expect(running.stats()).toMatchObject({ deadLettered: 1 });
      } finally {
        await running.stop();
      }
      for (const table of ['executions', 'logs', 'audit_events']) {
        const rows = (database: string): Promise<unknown[]> =>
          prepared.transport().query(`SELECT * FROM ${database}.${table} FINAL ORDER BY event_id`);
        const [reference, fromPrepared] = [await rows('makestream'), await rows('makestream_prepared')];
        expect(fromPrepared.length).toBeGreaterThan(0);
        expect(fromPrepared).toEqual(reference);
      }
      const dead = await readAll(log, deadLetterTopic('clickhouse-prepared').name, 1);
      expect(dead.map((record) => record.headers['makestream.dlq.offset']!.toString())).toEqual(['100']);
      expect(dead[0]!.headers['makestream.dlq.attempts']!.toString()).toBe('0');
      const envelope = await (
        await bindTopic(serde, deadLetterTopic('clickhouse-prepared').name, 'dead-letter')
      ).decode(dead[0]!.value!);
      expect(envelope.errorMessage).toMatch(/duration_ms: -1 is not an integer from 0/);
    } finally {
      await prepared.close();
    }
  });
});
