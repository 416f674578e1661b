/**
 * PostgreSQL sink throughput against PostgreSQL's own bulk loader, in the same run:
 *
 * - `sink`: ScenarioExecution events handed to the connector's `write()` in batches (encoding,
 *   partition check, COPY — straight into the table with `--write-mode direct-first`, the default,
 *   or into the staging table then INSERT … ON CONFLICT DO NOTHING with `staging` — one
 *   transaction per batch), with `--in-flight` batches at once (the runtime writes partitions in
 *   parallel);
 * - `startSink` (the figure, "rows/s from a pre-filled topic"): the same events pre-filled as
 *   Avro into an embedded-log topic (`--partitions`, default 1) and delivered by the sink runtime
 *   (poll, decode, batch, the connector's write, commit) until every offset is committed, into a
 *   third identical table; `--no-runtime` skips it;
 * - `psql \copy`: Debian's psql loading the same rows, pre-encoded in COPY text format, from a file
 *   into an identical table (one COPY, one connection, no conflict handling).
 *
 * Both tables are pg_partman-partitioned by day with the data inside the premade partitions; each
 * round starts from empty tables. Prints rows/s of the fastest round of each and the ratio
 * (target ≥ 80 %).
 *
 *   node --import tsx bench/sinks/postgres.ts [--rows 100000] [--batch 5000] [--in-flight 1] [--repeat 3]
 *     [--in-flight-batches <section default, 2>] [--poll <runtime default>]
 *     [--write-mode direct-first|staging] [--partitions 1] [--no-runtime] [--prepare on|off] [--profile DIR]
 *   (flags also as BENCH_ROWS, BENCH_BATCH, BENCH_IN_FLIGHT, BENCH_REPEAT, BENCH_WRITE_MODE; BENCH_POSTGRES_URL)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPostgresSink } from '../../connectors/sinks/postgres/connector.js';
import { encodeRow } from '../../connectors/sinks/postgres/rows.js';
import { tableForTopic } from '../../connectors/sinks/postgres/tables.js';
import { batchOf, dropTestSchema, localSinkConfig, makeEvents } from '../../connectors/sinks/postgres/testing.js';
import type { EventLog } from '../../pipeline/log/contract.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore, type AvroSerde } from '../../pipeline/serde/index.js';
import { sinkGroup, startSink } from '../../pipeline/sink/index.js';
import Database from '../../pipeline/sqlite.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';
import { profiled } from '../log/profiler.js';
import { watchCommits } from './committed.js';

const TOPIC = 'make.executions.raw.v1';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_ROWS ?? '100000' },
    batch: { type: 'string', default: process.env.BENCH_BATCH ?? '5000' },
    'in-flight': { type: 'string', default: process.env.BENCH_IN_FLIGHT ?? '1' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '3' },
    'write-mode': { type: 'string', default: process.env.BENCH_WRITE_MODE ?? 'direct-first' },
    partitions: { type: 'string', default: process.env.BENCH_PARTITIONS ?? '1' },
    'in-flight-batches': { type: 'string', default: process.env.BENCH_IN_FLIGHT_BATCHES },
    // Records per poll of startSink: the runtime's default (what `makestream run` uses) unless given.
    poll: { type: 'string', default: process.env.BENCH_POLL },
    'no-runtime': { type: 'boolean', default: false },

    // startSink with the connector's prepare hook (`on`: prepareOnDecode) or without it; default: the
    // section's default (on for PostgreSQL).
    prepare: { type: 'string', default: process.env.BENCH_PREPARE },
    // A V8 CPU profile of each round's startSink alone (DIR/postgres-startSink-<round>.cpuprofile).
    profile: { type: 'string', default: process.env.BENCH_PROFILE },
  },
});
const rows = Number(flags.rows);
const batchSize = Number(flags.batch);
const inFlight = Number(flags['in-flight']);
const repeat = Number(flags.repeat);
const writeMode = flags['write-mode'];
const partitions = Number(flags.partitions);
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
  const schemas = {
    sink: `bench_pg_sink_${suffix}`,
    psql: `bench_pg_psql_${suffix}`,
    runtime: `bench_pg_runtime_${suffix}`,
  };
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
  // As `makestream run` builds it (the section's pool and maxInFlightBatches): two batches in flight need two connections.
  const runtimeConfig = localSinkConfig(url, schemas.runtime, { writeMode });
  const admin = new pg.Client({ connectionString: url });
  const results = { sink: [] as number[], psql: [] as number[], runtime: [] as number[] };
  const cpu = { sink: [] as number[], runtime: [] as number[] };
  const topicLog = flags['no-runtime'] ? undefined : await prefilledTopic(directory, events);
  try {
    await sink.start();
    await baselineTables.start();
    await baselineTables.close();
    if (topicLog) {
      const runtimeTables = createPostgresSink(runtimeConfig);
      await runtimeTables.start();
      await runtimeTables.close();
    }
    await admin.connect();
    const count = async (schema: string) =>
      Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".executions`)).rows[0]!.n);
    for (let round = 1; round <= repeat; round += 1) {
      await admin.query(`TRUNCATE "${schemas.sink}".executions, "${schemas.psql}".executions`);
      let next = 0;
      const sinkCpu = process.cpuUsage();
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
      const sinkUsed = process.cpuUsage(sinkCpu);
      cpu.sink.push((sinkUsed.user + sinkUsed.system) / rows);
      const copyStarted = process.hrtime.bigint();
      await runPsqlCopy(schemas.psql, columns, file);
      const psqlSeconds = Number(process.hrtime.bigint() - copyStarted) / 1e9;
      let runtimeLine = '';
      if (topicLog) {
        await admin.query(`TRUNCATE "${schemas.runtime}".executions`);
        const { seconds, cpuMicros } = await throughRuntime(topicLog, runtimeConfig, round, rows);
        if ((await count(schemas.runtime)) !== rows)
          throw new Error(`startSink stored ${await count(schemas.runtime)} rows`);
        results.runtime.push(rows / seconds);
        cpu.runtime.push(cpuMicros / rows);
        runtimeLine = `, startSink ${Math.round(rows / seconds)} rows/s (${seconds.toFixed(2)} s, ${(cpuMicros / rows).toFixed(1)} µs CPU/row)`;
      }
      const counts = [await count(schemas.sink), await count(schemas.psql)];
      if (counts[0] !== rows || counts[1] !== rows) throw new Error(`row counts ${counts.join('/')} != ${rows}`);
      results.sink.push(rows / sinkSeconds);
      results.psql.push(rows / psqlSeconds);
      process.stdout.write(
        `round ${round} (load ${loadavg()[0]!.toFixed(1)}): sink write() ${Math.round(rows / sinkSeconds)} rows/s (${sinkSeconds.toFixed(2)} s, ` +
          `${cpu.sink.at(-1)!.toFixed(1)} µs CPU/row), psql \\copy ${Math.round(rows / psqlSeconds)} rows/s (${psqlSeconds.toFixed(2)} s)` +
          `${runtimeLine}\n`,
      );
    }
  } finally {
    await sink.close();
    await admin.end().catch(() => undefined);
    await dropTestSchema(url, schemas.sink);
    await dropTestSchema(url, schemas.psql);
    await dropTestSchema(url, schemas.runtime);
    await topicLog?.close();
    rmSync(directory, { recursive: true, force: true });
  }
  const best = { sink: Math.max(...results.sink), psql: Math.max(...results.psql) };
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const perRound = (xs: number[]): string =>
    xs.map((rate, i) => ((100 * rate) / results.psql[i]!).toFixed(0)).join('/');
  const bytes = Math.round(Buffer.byteLength(events.map((event) => encodeRow(table, event)).join('')) / rows);
  process.stdout.write(
    `\nPostgreSQL sink, ${rows} executions (${bytes} B/row as COPY text), batches of ${batchSize}, ${inFlight} in flight, best of ${repeat}:\n` +
      `  sink, writeMode ${writeMode.padEnd(12)}  ${Math.round(best.sink)} rows/s\n` +
      `  psql \\copy (baseline)          ${Math.round(best.psql)} rows/s\n` +
      `  ratio                          ${((100 * best.sink) / best.psql).toFixed(1)} % (target ≥ 80 %)\n` +
      `  per round (same round's psql): write() ${perRound(results.sink)} %, median CPU ${median(cpu.sink).toFixed(1)} µs/row\n` +
      (results.runtime.length > 0
        ? `  startSink (${partitions} partition(s), Avro): best ${Math.round(Math.max(...results.runtime))} rows/s = ` +
          `${((100 * Math.max(...results.runtime)) / best.psql).toFixed(1)} % of the best psql; per round ${perRound(results.runtime)} %, ` +
          `median CPU ${median(cpu.runtime).toFixed(1)} µs/row\n`
        : ''),
  );
}

/** The events as Avro in an embedded-log topic (the "pre-filled topic"). */
async function prefilledTopic(
  directory: string,
  events: readonly Record<string, unknown>[],
): Promise<{ log: EventLog; serde: AvroSerde; close(): Promise<void> }> {
  const log = createEmbeddedLog({ path: join(directory, 'log.db'), synchronous: 'normal', maintenanceIntervalMs: 0 });
  const database = new Database(':memory:');
  const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
  await log.createTopics([{ name: TOPIC, partitions }]);
  const topicSerde = await bindTopic(serde, TOPIC, 'scenario-execution');
  const producer = await log.producer();
  for (let from = 0; from < events.length; from += 5000) {
    await producer.send(
      TOPIC,
      events.slice(from, from + 5000).map((event, i) => ({
        key: String(event.scenarioId),
        value: topicSerde.encode(event as unknown as ScenarioExecution),
        partition: (from + i) % partitions,
      })),
    );
  }
  await producer.close();
  return {
    log,
    serde,
    async close() {
      await log.close();
      database.close();
    },
  };
}

/** Times `startSink` (a fresh group per round) from start until every offset is committed. */
async function throughRuntime(
  topic: { log: EventLog; serde: AvroSerde },
  config: ReturnType<typeof localSinkConfig>,
  round: number,
  total: number,
): Promise<{ seconds: number; cpuMicros: number }> {
  const sink = createPostgresSink(config);
  await sink.start(); // migrations ran before; not timed
  const connector = {
    ...sink,
    name: `bench-pg-${Date.now().toString(36)}-${round}`,
    topics: sink.topics.filter((spec) => spec.topic === TOPIC), // only the pre-filled one
    start: async () => undefined,
  };
  const watch = watchCommits(topic.log);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const running = await profiled(flags.profile, `postgres-startSink-${round}`, async () => {
    const sinkRunning = await startSink(connector, {
      log: watch.log,
      serde: topic.serde,
      ...(flags.poll ? { pollMaxRecords: Number(flags.poll) } : {}),
      maxInFlightBatches: Number(flags['in-flight-batches'] ?? config.maxInFlightBatches),
      prepareOnDecode: flags.prepare === undefined ? config.prepareOnDecode : flags.prepare === 'on',
      batch: { maxRecords: batchSize, maxBytes: 64 << 20, lingerMs: 20 },
    });
    await watch.whenCommitted(sinkGroup(connector.name), total);
    return sinkRunning;
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await running.stop(); // closes the connector
  return { seconds, cpuMicros: used.user + used.system };
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
