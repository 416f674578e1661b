import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { SinkConnector } from '../../../pipeline/sink/api.js';
import { requireService } from '../../../test/support/services.js';
import { createPostgresSink } from './connector.js';
import { warehouseDocPath } from './docs.js';
import { warehouseTables } from './tables.js';
import { batchOf, dropTestSchema, localSinkConfig, makeEvents, testSchemaName } from './testing.js';

/** The ```sql blocks of the PostgreSQL section of docs/warehouse.md, in order. */
function documentedQueries(): string[] {
  const document = readFileSync(warehouseDocPath, 'utf8');
  const section = document.slice(document.indexOf('\n## PostgreSQL'));
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1]!.trim());
}

describe('docs/warehouse.md PostgreSQL example queries (PostgreSQL 15, data written through the sink)', () => {
  const schema = testSchemaName('it_pgdocs');
  const queries = documentedQueries();
  const events = new Map<string, Record<string, unknown>[]>();
  let url: string;
  let client: pg.Client;
  let sink: SinkConnector;

  beforeAll(async () => {
    url = (await requireService('postgres')).endpoints.url!;
    sink = createPostgresSink(localSinkConfig(url, schema));
    await sink.start();
    // 300 events per table over the last ~20 hours, so every "last day/week/month" query sees them.
    const start = Date.now() - 20 * 3_600_000;
    for (const table of warehouseTables) {
      const values = makeEvents(table.topic, 300, start, 200_000);
      events.set(table.name, values);
      expect(await sink.write(batchOf(table.topic, values))).toEqual({ failures: [] });
    }
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`SET search_path = "${schema}"; SET TIME ZONE 'UTC'`);
  }, 60_000);

  afterAll(async () => {
    await client?.end();
    await sink?.close();
    if (url) await dropTestSchema(url, schema);
  }, 30_000);

  it('finds the eight documented queries', () => {
    expect(queries).toHaveLength(8);
  });

  it.each(documentedQueries().map((query, index) => [index + 1, query.split('\n')[0]!, query] as const))(
    'query %i runs and returns rows (%s)',
    async (_number, _firstLine, query) => {
      const { rows } = await client.query(query);
      expect(rows.length).toBeGreaterThan(0);
    },
  );

  it('answers with the numbers of the data written (errors per hour, credit burn, audit trail, top incident)', async () => {
    const executions = events.get('executions')!;
    const errorsPerHour = await client.query<{ errors: string }>(queries[0]!);
    const expectedErrors = executions.filter((value) => value.status === 'ERROR').length;
    expect(errorsPerHour.rows.reduce((sum, row) => sum + Number(row.errors), 0)).toBe(expectedErrors);

    const burn = await client.query<{ credits: string; executions: string }>(queries[4]!);
    const credits = executions.reduce((sum, value) => sum + (value.centicredits as number), 0) / 100;
    expect(burn.rows.reduce((sum, row) => sum + Number(row.credits), 0)).toBeCloseTo(credits, 6);
    expect(burn.rows.reduce((sum, row) => sum + Number(row.executions), 0)).toBe(300);

    const trail = await client.query<{ event_name: string; triggered_at: Date }>(queries[5]!);
    const expectedTrail = events
      .get('audit_events')!
      .filter((value) => value.targetId === '3107' && String(value.eventName).startsWith('connection_'));
    expect(trail.rows.map((row) => [row.event_name, row.triggered_at.getTime()])).toEqual(
      expectedTrail.map((value) => [value.eventName, value.triggeredAt]),
    );

    const top = await client.query<{ fingerprint: string; occurrences: string }>(queries[3]!);
    const latest = new Map<string, number>();
    for (const value of events.get('incidents')!) latest.set(String(value.fingerprint), value.occurrences as number);
    const [fingerprint, occurrences] = [...latest].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    expect(top.rows[0]).toMatchObject({ fingerprint, occurrences: String(occurrences) });
    expect(top.rows).toHaveLength(latest.size);
  });
});
