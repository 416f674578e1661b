/**
 * The PostgreSQL sink driven by the sink runtime (`startSink`) from an embedded log into the local
 * PostgreSQL 15: Avro records of three topics in several partitions; a poison record (text with a
 * NUL character, which PostgreSQL cannot store) in the middle of a batch lands alone in the DLQ; a
 * replay of the whole log under a new group leaves every table with one copy per event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
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
import { requireService } from '../../../test/support/services.js';
import type { PostgresSinkConfig } from './config.js';
import { createPostgresSink } from './connector.js';
import { dropTestSchema, localSinkConfig, makeEvents, testSchemaName } from './testing.js';

const topics = {
  executions: { topic: 'make.executions.raw.v1', schema: 'scenario-execution', partitions: 2, count: 240 },
  metrics: { topic: 'make.metrics.v1', schema: 'metric-window', partitions: 2, count: 120 },
  audit: { topic: 'make.audit.raw.v1', schema: 'audit-event', partitions: 1, count: 40 },
} as const;
const total = topics.executions.count + topics.metrics.count + topics.audit.count;

describe('PostgreSQL sink under the sink runtime (embedded log → PostgreSQL 15)', () => {
  const schema = testSchemaName('it_pgrt');
  let url: string;
  let directory: string;
  let log: EmbeddedEventLog;
  let database: InstanceType<typeof Database>;
  let serde: AvroSerde;
  let config: PostgresSinkConfig;
  let admin: pg.Client;
  const count = async (table: string): Promise<number> =>
    Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table}`)).rows[0]!.n);
  const executions = makeEvents(topics.executions.topic, topics.executions.count, Date.now() - 3_600_000, 1_000);
  // Offset 100 of partition 1, in the middle of a batch of 50.
  const poison = { ...executions[201]!, authorName: 'nul\u0000byte' };

  beforeAll(async () => {
    url = (await requireService('postgres')).endpoints.url!;
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    directory = mkdtempSync(join(tmpdir(), 'makestream-postgres-runtime-'));
    log = createEmbeddedLog({ path: join(directory, 'log.db'), synchronous: 'normal' });
    database = new Database(':memory:');
    serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
    await log.createTopics(Object.values(topics).map((spec) => ({ name: spec.topic, partitions: spec.partitions })));
    const producer = await log.producer();
    for (const spec of Object.values(topics)) {
      const values: Record<string, unknown>[] =
        spec === topics.executions
          ? [...executions.slice(0, 201), poison, ...executions.slice(202)]
          : makeEvents(spec.topic, spec.count, Date.now() - 3_600_000, 1_000);
      const bound = await bindTopic(serde, spec.topic, spec.schema);
      const split = spec === topics.executions ? 101 : values.length / 2;
      await producer.send(
        spec.topic,
        values.map((value, index) => ({
          key: String(value.scenarioId ?? value.organizationId),
          value: bound.encode(value as never),
          partition: spec.partitions === 1 || index < split ? 0 : 1,
        })),
      );
    }
    await producer.close();
    config = localSinkConfig(url, schema, {
      tables: ['executions', 'metrics', 'audit_events'],
      batch: { maxRecords: 50, lingerMs: 20 },
      retry: { initialMs: 5, maxMs: 20, itemMaxAttempts: 2 },
      healthIntervalMs: 200,
      lagIntervalMs: 200,
    });
  }, 60_000);

  afterAll(async () => {
    await log?.close();
    database?.close();
    await admin?.end();
    if (url) await dropTestSchema(url, schema);
    if (directory) rmSync(directory, { recursive: true, force: true });
  }, 30_000);

  it('writes every record once and dead-letters the poison record alone', async () => {
    const running = await startSink(createPostgresSink(config), { ...config, log, serde });
    await waitFor(
      () => running.stats().written + running.stats().deadLettered === total,
      'every record handled',
      60_000,
    );
    expect(running.stats()).toMatchObject({ deadLettered: 1, written: total - 1 });
    await running.stop();

    expect(await count('executions')).toBe(topics.executions.count - 1);
    expect(await count('metrics')).toBe(topics.metrics.count);
    expect(await count('audit_events')).toBe(topics.audit.count);
    const dead = await readAll(log, deadLetterTopic(config.name).name, 1);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.headers['makestream.dlq.partition']!.toString()).toBe('1');
    expect(dead[0]!.headers['makestream.dlq.offset']!.toString()).toBe('100');
    const envelope = await (
      await bindTopic(serde, deadLetterTopic(config.name).name, 'dead-letter')
    ).decode(dead[0]!.value!);
    expect(envelope).toMatchObject({ errorName: 'InvalidRecordError', retriable: false, originalOffset: 100 });
    expect(envelope.errorMessage).toMatch(/author_name: contains a NUL character/);
  }, 90_000);

  it('replays the whole log under a new group without a second copy of anything', async () => {
    const replayConfig = { ...config, name: 'postgres-replay' };
    const running = await startSink(createPostgresSink(replayConfig), { ...replayConfig, log, serde });
    await waitFor(() => running.stats().written + running.stats().deadLettered === total, 'replay handled', 60_000);
    await running.stop();
    expect(await count('executions')).toBe(topics.executions.count - 1);
    expect(await count('metrics')).toBe(topics.metrics.count);
    expect(await count('audit_events')).toBe(topics.audit.count);
  }, 90_000);

  it('the other prepareOnDecode setting writes the very same rows and dead-letters the poison alone', async () => {
    const preparedSchema = testSchemaName('it_pgrp');
    const preparedConfig = {
      ...localSinkConfig(url, preparedSchema, {
        tables: ['executions', 'metrics', 'audit_events'],
        batch: { maxRecords: 50, lingerMs: 20 },
        retry: { initialMs: 5, maxMs: 20, itemMaxAttempts: 2 },
        healthIntervalMs: 200,
        lagIntervalMs: 200,
      }),
      name: 'postgres-prepared',
      // The section's default is on (rows prepared at decode): the first test ran that way, this one the other.
      prepareOnDecode: !config.prepareOnDecode,
    };
    try {
      const running = await startSink(createPostgresSink(preparedConfig), { ...preparedConfig, log, serde });
      await waitFor(() => running.stats().written + running.stats().deadLettered === total, 'prepared run', 60_000);
      expect(running.stats()).toMatchObject({ deadLettered: 1, written: total - 1 });
      await running.stop();
      for (const table of ['executions', 'metrics', 'audit_events']) {
        const rows = async (inSchema: string): Promise<unknown[]> =>
          (await admin.query(`SELECT * FROM "${inSchema}".${table} ORDER BY event_id`)).rows;
        const [reference, fromPrepared] = [await rows(schema), await rows(preparedSchema)];
        expect(fromPrepared.length).toBeGreaterThan(0);
        expect(fromPrepared).toEqual(reference);
      }
      const dead = await readAll(log, deadLetterTopic('postgres-prepared').name, 1);
      expect(dead.map((record) => record.headers['makestream.dlq.offset']!.toString())).toEqual(['100']);
      // Refused by prepare (never written): 0 attempts; by write's encoding: 1.
      expect(dead[0]!.headers['makestream.dlq.attempts']!.toString()).toBe(preparedConfig.prepareOnDecode ? '0' : '1');
      const envelope = await (
        await bindTopic(serde, deadLetterTopic('postgres-prepared').name, 'dead-letter')
      ).decode(dead[0]!.value!);
      expect(envelope.errorMessage).toMatch(/author_name: contains a NUL character/);
    } finally {
      await dropTestSchema(url, preparedSchema);
    }
  }, 90_000);
});
