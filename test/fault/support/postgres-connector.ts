/**
 * A small PostgreSQL sink connector for the sink runtime's fault tests (not the production
 * PostgreSQL connector, which lives in connectors/sinks/postgres): it writes metric windows into one
 * table keyed by event id with `ON CONFLICT DO NOTHING`, so a test can count exactly what arrived.
 *
 * Errors follow the ack contract: lost connections and server shutdowns are retriable (thrown for the
 * batch); a data error (SQLSTATE classes 22 and 23) makes it write the items one by one under
 * savepoints and report exactly the items the table refuses (`executions` must be ≥ 0).
 */
import pg from 'pg';
import { PipelineError, RetriableError } from '../../../pipeline/errors/index.js';
import { avroTopic } from '../../../pipeline/runtime/api.js';
import { allWritten, type SinkBatch, type SinkConnector, type SinkWriteResult } from '../../../pipeline/sink/api.js';
import type { MetricWindow } from '../../../schemas/generated/types.js';

/** Options of {@link createPostgresTestConnector}. */
export interface PostgresTestConnectorOptions {
  readonly name: string;
  readonly topic: string;
  readonly connectionString: string;
  readonly table: string;
  /** Holds each batch's transaction open this long before COMMIT (to be killed mid-batch). */
  readonly holdMs?: number;
  /** Told `writing` (inside the open transaction) and `written` (after COMMIT) per batch. */
  readonly onBatch?: (event: 'writing' | 'written', batch: SinkBatch) => void;
}

/** The `CREATE TABLE` of the test table. */
export function testTableDdl(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    event_id text PRIMARY KEY,
    topic text NOT NULL,
    partition int NOT NULL,
    "offset" bigint NOT NULL,
    executions int NOT NULL CHECK (executions >= 0)
  )`;
}

const INSERT = (table: string): string =>
  `INSERT INTO ${table} (event_id, topic, partition, "offset", executions)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::int[])
   ON CONFLICT (event_id) DO NOTHING`;

/** Creates the connector; its pool connects through whatever `connectionString` names (e.g. a proxy). */
export function createPostgresTestConnector(options: PostgresTestConnectorOptions): SinkConnector<MetricWindow> {
  const { name, topic, connectionString, table, holdMs = 0, onBatch } = options;
  const pool = new pg.Pool({ connectionString, max: 2, connectionTimeoutMillis: 2_000, idleTimeoutMillis: 1_000 });
  // An idle client whose connection drops emits 'error' on the pool: without a listener that kills the process.
  pool.on('error', () => undefined);

  const columns = (items: SinkBatch<MetricWindow>['items']): unknown[] => [
    items.map((item) => item.eventId),
    items.map((item) => item.record.topic),
    items.map((item) => item.record.partition),
    items.map((item) => item.record.offset),
    items.map((item) => item.value.executions),
  ];

  async function oneByOne(client: pg.PoolClient, batch: SinkBatch<MetricWindow>): Promise<SinkWriteResult> {
    const failures: { index: number; error: PipelineError }[] = [];
    await client.query('BEGIN');
    for (const [index, item] of batch.items.entries()) {
      await client.query('SAVEPOINT item');
      try {
        await client.query(INSERT(table), columns([item]));
        await client.query('RELEASE SAVEPOINT item');
      } catch (error) {
        if (!isDataError(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT item');
        failures.push({
          index,
          error: new PipelineError(`Row refused by ${table}: ${(error as Error).message}`, { stage: 'sending' }),
        });
      }
    }
    await client.query('COMMIT');
    return { failures };
  }

  return {
    name,
    topics: [avroTopic(topic, 'metric-window')],
    async start() {
      try {
        await pool.query(testTableDdl(table));
      } catch (error) {
        throw classify(error);
      }
    },
    async write(batch) {
      let client: pg.PoolClient | undefined;
      try {
        client = await pool.connect();
        // A checked-out client whose socket resets emits 'error' besides rejecting the query: without a
        // listener that would be an uncaught exception.
        client.on('error', ignore);
        await client.query('BEGIN');
        try {
          await client.query(INSERT(table), columns(batch.items));
        } catch (error) {
          if (!isDataError(error)) throw error;
          await client.query('ROLLBACK');
          return await oneByOne(client, batch);
        }
        onBatch?.('writing', batch);
        if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
        await client.query('COMMIT');
        onBatch?.('written', batch);
        return allWritten;
      } catch (error) {
        // The connection is in an unknown state: drop it rather than return it to the pool.
        client?.off('error', ignore);
        client?.release(true);
        client = undefined;
        throw classify(error);
      } finally {
        client?.off('error', ignore);
        client?.release();
      }
    },
    async health() {
      try {
        await pool.query('SELECT 1');
        return { healthy: true, detail: 'SELECT 1 answered' };
      } catch (error) {
        return { healthy: false, detail: (error as Error).message };
      }
    },
    close: () => pool.end(),
  };
}

function ignore(): void {}

function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function classify(error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error)?.message ?? String(error);
  // Connection exceptions (08), operator intervention (57: shutdown, terminated), insufficient resources (53), socket errors.
  const retriable =
    typeof code !== 'string' ||
    code.startsWith('08') ||
    code.startsWith('57') ||
    code.startsWith('53') ||
    /^E[A-Z]+$/.test(code);
  return retriable
    ? new RetriableError(`PostgreSQL unavailable: ${message}`, { stage: 'sending', cause: error })
    : new PipelineError(`PostgreSQL refused the batch: ${message}`, { stage: 'sending', cause: error });
}
