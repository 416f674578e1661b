/**
 * PostgreSQL sink throughput against PostgreSQL's own bulk loader, in the same run:
 *
 * - `sink`: ScenarioExecution events handed to the connector's `write()` in batches (encoding,
 *   partition check, COPY — straight into the table with `--write-mode direct-first`, the default,
 *   or into the staging table then INSERT … ON CONFLICT DO NOTHING with `staging` — one
 *   transaction per batch), with `--in-flight` batches at once (the runtime writes partitions in
 *   parallel);
 * - `psql \copy`: Debian's psql loading the same rows, pre-encoded in COPY text format, from a file
 *   into an identical table (one COPY, one connection, no conflict handling).
 *
 * Both tables are pg_partman-partitioned by day with the data inside the premade partitions; each
 * round starts from empty tables. Prints rows/s of the fastest round of each and the ratio
 * (target ≥ 80 %).
 *
 *   node --import tsx bench/sinks/postgres.ts [--rows 100000] [--batch 5000] [--in-flight 1] [--repeat 3]
 *     [--write-mode direct-first|staging]
 *   (flags also as BENCH_ROWS, BENCH_BATCH, BENCH_IN_FLIGHT, BENCH_REPEAT, BENCH_WRITE_MODE; BENCH_POSTGRES_URL)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPostgresSink } from '../../connectors/sinks/postgres/connector.js';
import { encodeRow } from '../../connectors/sinks/postgres/rows.js';
import { tableForTopic } from '../../connectors/sinks/postgres/tables.js';
import { batchOf, dropTestSchema, localSinkConfig, makeEvents } from '../../connectors/sinks/postgres/testing.js';

const TOPIC = 'make.executions.raw.v1';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_ROWS ?? '100000' },
    batch: { type: 'string', default: process.env.BENCH_BATCH ?? '5000' },
    'in-flight': { type: 'string', default: process.env.BENCH_IN_FLIGHT ?? '1' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '3' },
    'write-mode': { type: 'string', default: process.env.BENCH_WRITE_MODE ?? 'direct-first' },
  },
});
const rows = Number(flags.rows);
const batchSize = Number(flags.batch);
const inFlight = Number(flags['in-flight']);
const repeat = Number(flags.repeat);
const writeMode = flags['write-mode'];
if (writeMode !== 'direct-first' && writeMode !== 'staging') throw new Error('--write-mode is direct-first or staging');
const url = process.env.BENCH_POSTGRES_URL ?? 'postgres://makestream:makestream@127.0.0.1:15432/makestream';

async function runPsqlCopy(schema: string, columns: string, file: string): Promise<void> {
  const target = new URL(url);
  const child = spawn(
    'psql',
    [
      '-X',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      target.hostname,
      '-p',
      target.port || '5432',
      '-U',
      decodeURIComponent(target.username),
      '-d',
      target.pathname.slice(1),
      '-c',
      `\\copy "${schema}".executions (${columns}) FROM '${file}'`,
    ],
    { env: { ...process.env, PGPASSWORD: decodeURIComponent(target.password) }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`psql \\copy failed (exit ${code}): ${stderr.trim()}`);
}

async function main(): Promise<void> {
  const suffix = `${Date.now().toString(36)}_${process.pid}`;
  const schemas = { sink: `bench_pg_sink_${suffix}`, psql: `bench_pg_psql_${suffix}` };
  const directory = mkdtempSync(join(tmpdir(), 'makestream-bench-pg-'));
  const table = tableForTopic(TOPIC)!;
  // Two seconds apart from two days ago: every row falls into a partition pg_partman premade.
  const events = makeEvents(TOPIC, rows, Date.now() - 2 * 86_400_000, 1_700);
  const batches = Array.from({ length: Math.ceil(rows / batchSize) }, (_, index) =>
    batchOf(TOPIC, events.slice(index * batchSize, (index + 1) * batchSize), index * batchSize),
  );
  const file = join(directory, 'executions.copy');
  writeFileSync(file, events.map((event) => encodeRow(table, event)).join(''));
  const columns = table.columns.map((column) => `"${column.name}"`).join(', ');
  const sink = createPostgresSink(
    localSinkConfig(url, schemas.sink, { pool: { max: Math.max(1, inFlight) }, writeMode }),
  );
  const baselineTables = createPostgresSink(localSinkConfig(url, schemas.psql));
  const admin = new pg.Client({ connectionString: url });
  const results = { sink: [] as number[], psql: [] as number[] };
  try {
    await sink.start();
    await baselineTables.start();
    await baselineTables.close();
    await admin.connect();
    const count = async (schema: string) =>
      Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".executions`)).rows[0]!.n);
    for (let round = 1; round <= repeat; round += 1) {
      await admin.query(`TRUNCATE "${schemas.sink}".executions, "${schemas.psql}".executions`);
      let next = 0;
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < batches.length) {
            const result = await sink.write(batches[next++]!);
            if (result.failures.length > 0) throw new Error(`sink refused ${result.failures.length} rows`);
          }
        }),
      );
      const sinkSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const copyStarted = process.hrtime.bigint();
      await runPsqlCopy(schemas.psql, columns, file);
      const psqlSeconds = Number(process.hrtime.bigint() - copyStarted) / 1e9;
      const counts = [await count(schemas.sink), await count(schemas.psql)];
      if (counts[0] !== rows || counts[1] !== rows) throw new Error(`row counts ${counts.join('/')} != ${rows}`);
      results.sink.push(rows / sinkSeconds);
      results.psql.push(rows / psqlSeconds);
      process.stdout.write(
        `round ${round}: sink ${Math.round(rows / sinkSeconds)} rows/s (${sinkSeconds.toFixed(2)} s), ` +
          `psql \\copy ${Math.round(rows / psqlSeconds)} rows/s (${psqlSeconds.toFixed(2)} s)\n`,
      );
    }
  } finally {
    await sink.close();
    await admin.end().catch(() => undefined);
    await dropTestSchema(url, schemas.sink);
    await dropTestSchema(url, schemas.psql);
    rmSync(directory, { recursive: true, force: true });
  }
  const best = { sink: Math.max(...results.sink), psql: Math.max(...results.psql) };
  const bytes = Math.round(Buffer.byteLength(events.map((event) => encodeRow(table, event)).join('')) / rows);
  process.stdout.write(
    `\nPostgreSQL sink, ${rows} executions (${bytes} B/row as COPY text), batches of ${batchSize}, ${inFlight} in flight, best of ${repeat}:\n` +
      `  sink, writeMode ${writeMode.padEnd(12)}  ${Math.round(best.sink)} rows/s\n` +
      `  psql \\copy (baseline)          ${Math.round(best.psql)} rows/s\n` +
      `  ratio                          ${((100 * best.sink) / best.psql).toFixed(1)} % (target ≥ 80 %)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
