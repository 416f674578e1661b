import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import pg from 'pg';
import { requireService } from '../support/services.js';

describe('postgres (PostgreSQL 15 + pg_partman + pg_cron)', () => {
  const suffix = `${Date.now()}_${process.pid}`;
  const plain = `smoke_plain_${suffix}`;
  const logs = `smoke_logs_${suffix}`;
  let client: pg.Client;

  beforeAll(async () => {
    const { endpoints } = await requireService('postgres');
    client = new pg.Client({ connectionString: endpoints.url, connectionTimeoutMillis: 5_000 });
    await client.connect();
  });

  afterAll(async () => {
    if (!client) return;
    await client.query(`DROP TABLE IF EXISTS ${plain}`);
    await client.query(`DELETE FROM partman.part_config WHERE parent_table = $1`, [`public.${logs}`]);
    await client.query(`DROP TABLE IF EXISTS ${logs} CASCADE`);
    await client.query(`DROP TABLE IF EXISTS partman.template_public_${logs}`);
    await client.end();
  });

  it('answers as PostgreSQL 15 with pg_partman in schema partman and pg_cron', async () => {
    const { rows } = await client.query<{ version: string; extension: string; schema: string }>(
      `SELECT current_setting('server_version') AS version, e.extname AS extension, n.nspname AS schema
         FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname IN ('pg_partman', 'pg_cron') ORDER BY e.extname`,
    );
    expect(rows.map((r) => [r.extension, r.schema])).toEqual([
      ['pg_cron', expect.any(String)], // its objects live in schema cron, whatever the extension's schema
      ['pg_partman', 'partman'],
    ]);
    expect(rows[0]?.version).toMatch(/^15\./);
  });

  it('creates a table, inserts and selects', async () => {
    await client.query(`CREATE TABLE ${plain} (id bigint PRIMARY KEY, message text NOT NULL)`);
    await client.query(`INSERT INTO ${plain} (id, message) VALUES ($1, $2), ($3, $4)`, [1, 'héllo', 2, 'wörld']);
    const { rows } = await client.query(`SELECT id::int AS id, message FROM ${plain} ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, message: 'héllo' },
      { id: 2, message: 'wörld' },
    ]);
  });

  it('partitions a table daily with pg_partman and deduplicates with ON CONFLICT DO NOTHING', async () => {
    await client.query(
      `CREATE TABLE ${logs} (ts timestamptz NOT NULL, id text NOT NULL, message text, UNIQUE (ts, id))
         PARTITION BY RANGE (ts)`,
    );
    // pg_partman 4.x signature: p_type 'native' (5.x renamed it to 'range').
    await client.query(`SELECT partman.create_parent($1, 'ts', 'native', 'daily')`, [`public.${logs}`]);
    const partitions = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = $1::regclass`,
      [logs],
    );
    expect(partitions.rows.length).toBeGreaterThan(1);

    const insert = `INSERT INTO ${logs} (ts, id, message) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`;
    const ts = new Date();
    const once = await client.query(insert, [ts, 'evt-1', 'first']);
    const again = await client.query(insert, [ts, 'evt-1', 'duplicate']);
    expect([once.rowCount, again.rowCount]).toEqual([1, 0]);
    const stored = await client.query<{ id: string; message: string; part: string }>(
      `SELECT id, message, tableoid::regclass::text AS part FROM ${logs}`,
    );
    expect(stored.rows).toEqual([
      { id: 'evt-1', message: 'first', part: expect.stringMatching(/_p\d{4}_\d{2}_\d{2}$/) },
    ]);
  });

  it('lets the application role schedule and unschedule a pg_cron job', async () => {
    const job = `smoke-${suffix}`;
    const { rows } = await client.query<{ id: string }>(
      `SELECT cron.schedule($1, '0 3 * * *', 'CALL partman.run_maintenance_proc()') AS id`,
      [job],
    );
    expect(Number(rows[0]?.id)).toBeGreaterThan(0);
    const removed = await client.query<{ ok: boolean }>('SELECT cron.unschedule($1) AS ok', [job]);
    expect(removed.rows[0]?.ok).toBe(true);
  });
});
