/**
 * Test and benchmark helpers of the PostgreSQL sink: deterministic events for every table (built
 * from `schemas/examples.ts`, with ids, scenarios, teams, times and outcomes varied), batches of
 * them as the sink runtime would hand them over, a throwaway schema per run and its cleanup
 * (including pg_partman's bookkeeping).
 */
import pg from 'pg';
import {
  anomalyEventId,
  auditEventId,
  enrichedLogEventId,
  executionEventId,
  incidentEventId,
  metricWindowEventId,
} from '../../../pipeline/ids.js';
import type { SinkBatch, SinkItem } from '../../../pipeline/sink/api.js';
import { exampleEvents } from '../../../schemas/examples.js';
import { parsePostgresSinkConfig, type PostgresSinkConfig } from './config.js';
import { quoteIdent, quoteLiteral } from './ddl.js';
import { tableForTopic } from './tables.js';

const HOUR = 3_600_000;
const statuses = ['SUCCESS', 'SUCCESS', 'SUCCESS', 'WARNING', 'ERROR'] as const;

/** Events of one topic: `count` of them, `index` 0…count-1, spread over hours from `start`. */
export function makeEvents(
  topic: string,
  count: number,
  start = Date.parse('2026-01-01T00:00:00Z'),
  stepMs = 37_000,
): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => makeEvent(topic, index, start + index * stepMs));
}

/** One deterministic event of `topic`, the `index`-th, at `time`. */
export function makeEvent(topic: string, index: number, time: number): Record<string, unknown> {
  const zone = 'eu1.make.com';
  const scenarioId = 1_000 + (index % 7);
  const teamId = 9_000 + (index % 3);
  const organizationId = 4_711 + (index % 2);
  const status = statuses[index % statuses.length]!;
  switch (topic) {
    case 'make.executions.raw.v1': {
      const executionId = index.toString(16).padStart(32, '0');
      const base = exampleEvents['com.makestream.v1.ScenarioExecution'];
      return {
        ...base,
        eventId: executionEventId({ zone, scenarioId, executionId }),
        scenarioId,
        executionId,
        teamId,
        organizationId,
        status,
        statusCode: { SUCCESS: 1, WARNING: 2, ERROR: 3 }[status],
        timestamp: time,
        endedAt: time + 500 + (index % 50) * 40,
        duration: 500 + (index % 50) * 40,
        centicredits: 100 * (1 + (index % 5)),
        ingestedAt: time + 60_000,
        error: status === 'ERROR' ? base.error : null,
        modules: status === 'ERROR' ? base.modules : [],
        imtId: `${time}_scenario.${scenarioId}.auto.${executionId}`,
      };
    }
    case 'make.logs.enriched.v1': {
      const base = exampleEvents['com.makestream.v1.EnrichedLog'];
      const sourceEventId = executionEventId({ zone, scenarioId, executionId: index.toString(16).padStart(32, '0') });
      return {
        ...base,
        eventId: enrichedLogEventId({ sourceEventId, recordIndex: 0 }),
        sourceEventId,
        scenarioId,
        teamId,
        organizationId,
        timestamp: time,
        ingestedAt: time + 60_000,
        level: status === 'ERROR' ? 'ERROR' : status === 'WARNING' ? 'WARN' : 'INFO',
        outcome: status === 'ERROR' ? 'FAILURE' : 'SUCCESS',
        status,
        error: status === 'ERROR' ? base.error : null,
      };
    }
    case 'make.metrics.v1': {
      const windowStart = Math.floor(time / 60_000) * 60_000;
      const base = exampleEvents['com.makestream.v1.MetricWindow'];
      const executions = 3 + (index % 5);
      const errors = index % 4 === 0 ? 1 : 0;
      return {
        ...base,
        // Several emissions of one window when events are closer than a minute: distinct revisions.
        eventId: metricWindowEventId({
          zone,
          scenarioId,
          windowSizeMs: 60_000,
          windowStart,
          revision: Math.floor(index / 7),
        }),
        revision: Math.floor(index / 7),
        scenarioId,
        teamId,
        organizationId,
        windowStart,
        windowEnd: windowStart + 60_000,
        executions,
        successes: executions - errors,
        warnings: 0,
        errors,
        centicredits: executions * 100,
        durationP95Ms: 1_000 + (index % 10) * 100,
        errorRate: errors / executions,
      };
    }
    case 'make.incidents.v1': {
      const fingerprint = `fp-${index % 5}`;
      const revision = 1 + Math.floor(index / 5);
      return {
        ...exampleEvents['com.makestream.v1.Incident'],
        eventId: incidentEventId({ fingerprint, revision }),
        fingerprint,
        revision,
        state: revision === 1 ? 'OPEN' : 'ONGOING',
        scenarioId,
        teamId,
        organizationId,
        firstSeen: time - revision * HOUR,
        lastSeen: time,
        updatedAt: time,
        occurrences: revision * 3 + (index % 5),
      };
    }
    case 'make.anomalies.v1': {
      const windowStart = Math.floor(time / 300_000) * 300_000;
      const metric = index % 2 === 0 ? 'error_rate' : 'duration_p95_ms';
      return {
        ...exampleEvents['com.makestream.v1.Anomaly'],
        eventId: anomalyEventId({
          zone,
          scenarioId,
          detector: 'ewma-zscore',
          metric,
          windowSizeMs: 300_000,
          windowStart,
        }),
        scenarioId,
        teamId,
        organizationId,
        metric,
        windowStart,
        windowEnd: windowStart + 300_000,
      };
    }
    case 'make.audit.raw.v1': {
      const uuid = `a${index.toString(16).padStart(31, '0')}`;
      const names = ['connection_created', 'connection_updated', 'webhook_updated', 'connection_deleted'];
      return {
        ...exampleEvents['com.makestream.v1.AuditEvent'],
        eventId: auditEventId({ zone, organizationId, uuid }),
        uuid,
        imtId: `${time}_${uuid}`,
        organizationId,
        teamId,
        eventName: names[index % names.length],
        targetId: String(3_104 + (index % 4)),
        triggeredAt: time,
        createdAt: time + 2_000,
        ingestedAt: time + 60_000,
        detail: JSON.stringify({ index }),
      };
    }
    default:
      throw new Error(`No test events for topic ${topic}.`);
  }
}

/** Wraps events as the sink runtime would (partition 0, consecutive offsets from `firstOffset`). */
export function batchOf(topic: string, values: readonly Record<string, unknown>[], firstOffset = 0): SinkBatch {
  const items: SinkItem[] = values.map((value, position) => ({
    eventId: String(value.eventId),
    value,
    record: {
      topic,
      partition: 0,
      offset: firstOffset + position,
      key: null,
      value: null,
      headers: {},
      timestamp: 0,
    },
  }));
  return { topic, items, dedupToken: `${topic}/0/${firstOffset}-${firstOffset + values.length - 1}` };
}

/** A unique schema name for one test run. */
export function testSchemaName(prefix = 'it_pg'): string {
  return `${prefix}_${Date.now().toString(36)}_${process.pid}`;
}

/** Sink config for the local stack's PostgreSQL (from the `postgres` service URL) and `schema`. */
export function localSinkConfig(
  url: string,
  schema: string,
  overrides: Record<string, unknown> = {},
): PostgresSinkConfig {
  // One variable per URL: the secret is read at start(), possibly after another config was made.
  const variable = `MAKESTREAM_TEST_POSTGRES_URL_${Buffer.from(url).toString('hex').slice(-40)}`;
  process.env[variable] = url;
  return parsePostgresSinkConfig({
    connection: { url: { env: variable } },
    schema,
    ...overrides,
  });
}

/** Drops a test schema and pg_partman's rows and template tables for it. */
export async function dropTestSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const partman = await client
      .query<{ parent_table: string; template_table: string | null }>(
        `SELECT parent_table, template_table FROM partman.part_config WHERE parent_table LIKE ${quoteLiteral(`${schema}.%`)}`,
      )
      .catch(() => ({ rows: [] as { parent_table: string; template_table: string | null }[] }));
    for (const row of partman.rows) {
      await client.query('DELETE FROM partman.part_config WHERE parent_table = $1', [row.parent_table]);
      if (row.template_table) await client.query(`DROP TABLE IF EXISTS ${row.template_table}`);
    }
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/** The table name of a topic (throws for others). */
export function tableNameOf(topic: string): string {
  const table = tableForTopic(topic);
  if (!table) throw new Error(`No table for ${topic}.`);
  return table.name;
}
