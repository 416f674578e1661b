/**
 * ClickHouse sink throughput on chDB against chDB's own bulk loader, in the same run:
 *
 * - `sink write()`: ScenarioExecution events handed to the connector's `write()` in batches
 *   (encoding + validation of every value, `INSERT … FORMAT <insertFormat>` with a deduplication
 *   token per batch), for both insert formats;
 * - `startSink`: the same events pre-filled as Avro into an embedded-log topic of six partitions and
 *   delivered by the sink runtime (poll, decode, batch, write, commit) until all are committed;
 * - baseline: chDB `INSERT INTO … FORMAT JSONEachRow` (and `JSONCompactEachRow`) of the same rows,
 *   pre-encoded, in one insert (the engine's bulk loader, no JS work per row) into an identical
 *   table; ratios are against the faster of the two;
 * - the runtime alone: the same topic delivered to a no-op connector (the runtime's own ceiling).
 *
 * Every round starts from empty tables and checks the row counts. Prints rows/s of the best round
 * of each and the ratios (target ≥ 80 %).
 *
 *   node --import tsx bench/sinks/clickhouse.ts [--rows 100000] [--batch 10000] [--repeat 3] [--in-flight 1] [--no-runtime]
 *        [--in-flight-batches <section default, 2>] [--poll <runtime default>]
 *   startSink runs with 1 and with --in-flight-batches batches in flight per partition each round, each
 *   against that round's JSONCompactEachRow insert (median of the per-round ratios printed).
 *        [--prepare both|on|off]  (startSink with and/or without the connector's prepare hook; default both)
 *        [--connections <embedded.connections, section default 4>]
 *        [--stop-merges]  (diagnostic: SYSTEM STOP MERGES on the sink's table, to see what merging its parts costs)
 *   Each startSink round prints the process's CPU per row and the main thread's alone (the JavaScript;
 *   the rest is chDB's threads and V8's GC helpers).
 *   (flags also as BENCH_ROWS, BENCH_BATCH, BENCH_REPEAT, BENCH_IN_FLIGHT, BENCH_PREPARE)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Session, version } from 'chdb';
import { currentDialect } from '../../connectors/sinks/clickhouse/column-types.js';
import { parseClickHouseSinkConfig } from '../../connectors/sinks/clickhouse/config.js';
import { createClickHouseSink, type ClickHouseSink } from '../../connectors/sinks/clickhouse/connector.js';
import { createTableStatement } from '../../connectors/sinks/clickhouse/ddl.js';
import { createRowEncoder } from '../../connectors/sinks/clickhouse/encode.js';
import { executionsTable } from '../../connectors/sinks/clickhouse/tables/index.js';
import { sampleExecutions, sinkBatch } from '../../connectors/sinks/clickhouse/testing.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';
import { allWritten, sinkGroup, startSink, type SinkConnector } from '../../pipeline/sink/index.js';
import Database from '../../pipeline/sqlite.js';
import { watchCommits } from './committed.js';

const TOPIC = 'make.executions.raw.v1';
const PARTITIONS = 6;
const { values: flags } = parseArgs({
  options: {
    'in-flight-batches': { type: 'string', default: process.env.BENCH_IN_FLIGHT_BATCHES },
    // Records per poll of startSink: the runtime's default (what `makestream run` uses) unless given.
    poll: { type: 'string', default: process.env.BENCH_POLL },
    rows: { type: 'string', default: process.env.BENCH_ROWS ?? '100000' },
    batch: { type: 'string', default: process.env.BENCH_BATCH ?? '10000' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '3' },
    'in-flight': { type: 'string', default: process.env.BENCH_IN_FLIGHT ?? '1' },
    'no-runtime': { type: 'boolean', default: false },
    'stop-merges': { type: 'boolean', default: false },
    // chDB sessions the sink inserts on (the section's embedded.connections) unless given.
    connections: { type: 'string' },
    // startSink with the connector's prepare hook (rows encoded at decode time), without it, or both
    // in each round (alternating which goes first): the A/B of the hook in one process.
    prepare: { type: 'string', default: process.env.BENCH_PREPARE ?? 'both' },
  },
});
const prepareModes: readonly boolean[] =
  flags.prepare === 'both' ? [true, false] : flags.prepare === 'off' ? [false] : [true];
/** Main-thread GC pause time so far (ms). */
let gcMillis = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMillis += entry.duration;
}).observe({ entryTypes: ['gc'] });
const rows = Number(flags.rows);
const batchSize = Number(flags.batch);
const repeat = Number(flags.repeat);
const inFlight = Number(flags['in-flight']);
const formats = ['JSONCompactEachRow', 'JSONEachRow'] as const;
/** Batches in flight per partition for startSink: the flag, else the section's default (what `makestream run` uses). */
const sectionInFlightBatches = Number(flags['in-flight-batches'] ?? parseClickHouseSinkConfig({}).maxInFlightBatches);

/** CPU time of the main thread alone so far (ms; Linux, 10 ms ticks): the JavaScript's share of the process's. */
function mainThreadCpuMs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-bench-ch-'));
  const path = join(directory, 'chdb');
  const events = sampleExecutions(rows, { baseTime: Date.now() - 2 * 86_400_000, scenarios: 200, teams: 20 });
  const batches = Array.from({ length: Math.ceil(rows / batchSize) }, (_, index) =>
    sinkBatch(TOPIC, events.slice(index * batchSize, (index + 1) * batchSize), 0, index * batchSize),
  );
  const sinks = new Map<string, ClickHouseSink>();
  for (const format of formats) {
    const database = `bench_${format.toLowerCase()}`;
    const sink = createClickHouseSink(
      parseClickHouseSinkConfig({
        embedded: { path, ...(flags.connections ? { connections: Number(flags.connections) } : {}) },
        database,
        topics: [TOPIC],
        insertFormat: format,
        ttlDays: 0,
      }),
    );
    await sink.start();
    sinks.set(format, sink);
  }
  const session = new Session(path);
  const baselineContext = {
    database: 'bench_baseline',
    tablePrefix: '',
    dialect: currentDialect,
    ttlDays: {},
    deduplicationWindow: 1000,
  };
  await session.queryAsync('CREATE DATABASE IF NOT EXISTS bench_baseline');
  await session.queryAsync(createTableStatement(executionsTable as never, baselineContext));
  const payloads = Object.fromEntries(
    formats.map((format) => {
      const encoder = createRowEncoder(executionsTable as never, currentDialect, format);
      return [
        format,
        {
          columns: encoder.columns,
          body: Buffer.from(encoder.encode(events).bytes),
        },
      ];
    }),
  ) as Record<(typeof formats)[number], { columns: readonly string[]; body: Buffer }>;
  const count = async (table: string): Promise<number> =>
    Number(
      (await session.queryAsync(`SELECT count() AS n FROM ${table}`, { format: 'JSONEachRow' })).json<{ n: number }>()
        .n,
    );

  const results: Record<string, number[]> = { runtime: [], 'runtime, no store': [] };
  for (const format of formats) {
    results[format] = [];
    results[`baseline ${format}`] = [];
  }
  try {
    for (let round = 1; round <= repeat; round += 1) {
      const line: string[] = [];
      for (const format of formats) {
        const table = `bench_${format.toLowerCase()}.executions`;
        await session.queryAsync(`TRUNCATE TABLE ${table}`);
        const sink = sinks.get(format)!;
        const started = process.hrtime.bigint();
        // `inFlight` batches at once, as the runtime delivers partitions concurrently: one batch is
        // encoded on the event loop while chDB inserts another on its own thread.
        let next = 0;
        await Promise.all(
          Array.from({ length: inFlight }, async () => {
            while (next < batches.length) {
              const result = await sink.write(batches[next++]!);
              if (result.failures.length > 0) throw new Error(`sink refused ${result.failures.length} rows`);
            }
          }),
        );
        const elapsed = seconds(started);
        if ((await count(table)) !== rows) throw new Error(`${table} holds ${await count(table)} rows, not ${rows}`);
        results[format]!.push(rows / elapsed);
        line.push(`write ${format} ${Math.round(rows / elapsed)} rows/s`);
      }
      for (const format of formats) {
        await session.queryAsync('TRUNCATE TABLE bench_baseline.executions');
        const started = process.hrtime.bigint();
        await session.insert({
          table: 'bench_baseline.executions',
          columns: payloads[format].columns,
          values: payloads[format].body,
          format,
        });
        const elapsed = seconds(started);
        if ((await count('bench_baseline.executions')) !== rows) throw new Error('baseline row count differs');
        results[`baseline ${format}`]!.push(rows / elapsed);
        line.push(`chDB INSERT FORMAT ${format} ${Math.round(rows / elapsed)} rows/s`);
      }
      process.stdout.write(`round ${round}: ${line.join(', ')}\n`);
    }
    if (!flags['no-runtime']) {
      // The fastest format's insert, run next to each startSink round (the same load meets both).
      const baseline = async (): Promise<number> => {
        await session.queryAsync('TRUNCATE TABLE bench_baseline.executions');
        const started = process.hrtime.bigint();
        await session.insert({
          table: 'bench_baseline.executions',
          columns: payloads.JSONCompactEachRow.columns,
          values: payloads.JSONCompactEachRow.body,
          format: 'JSONCompactEachRow',
        });
        return rows / seconds(started);
      };
      const runtime = await throughRuntime(directory, sinks.get(formats[0])!, events, count, baseline);
      results.runtime = runtime.store;
      results['runtime, no store'] = runtime.nothing;
    }
  } finally {
    session.close();
    for (const sink of sinks.values()) await sink.close();
    rmSync(directory, { recursive: true, force: true });
  }
  const best = (name: string): number => Math.max(...results[name]!);
  const fastest = Math.max(...formats.map((format) => best(`baseline ${format}`)));
  const named = best('baseline JSONEachRow');
  const report = (label: string, name: string): string =>
    `  ${label.padEnd(50)} ${String(Math.round(best(name))).padStart(8)} rows/s ${((100 * best(name)) / named).toFixed(1).padStart(6)} % ${((100 * best(name)) / fastest).toFixed(1).padStart(6)} %\n`;
  process.stdout.write(
    `\nClickHouse sink on chDB ${version().libchdb}, ${rows} executions (${Math.round(payloads.JSONEachRow.body.length / rows)} B/row as JSONEachRow, ` +
      `${Math.round(payloads.JSONCompactEachRow.body.length / rows)} as JSONCompactEachRow), batches of ${batchSize}, ${inFlight} in flight, best of ${repeat}.\n` +
      `  ${''.padEnd(50)} ${'rows/s'.padStart(15)} ${'% of chDB JSONEachRow insert (target ≥ 80 %)'} / % of the fastest chDB insert\n` +
      formats.map((format) => report(`sink write(), ${format}`, format)).join('') +
      (results.runtime!.length > 0
        ? report('startSink: embedded topic → chDB (Avro)', 'runtime') +
          report('startSink: embedded topic → no-op sink', 'runtime, no store')
        : '') +
      formats.map((format) => report(`chDB INSERT … FORMAT ${format} (baseline)`, `baseline ${format}`)).join(''),
  );
}

/** Pre-fills an embedded topic with the events as Avro and times startSink until all are committed. */
async function throughRuntime(
  directory: string,
  sink: ClickHouseSink,
  events: ReturnType<typeof sampleExecutions>,
  count: (table: string) => Promise<number>,
  baseline: () => Promise<number>,
): Promise<{ store: number[]; nothing: number[] }> {
  const log = createEmbeddedLog({ path: join(directory, 'log.db'), synchronous: 'normal', maintenanceIntervalMs: 0 });
  const database = new Database(':memory:');
  const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
  try {
    // Six partitions, as make.executions.raw.v1 has: the runtime delivers partitions concurrently.
    await log.createTopics([{ name: TOPIC, partitions: PARTITIONS }]);
    const topicSerde = await bindTopic(serde, TOPIC, 'scenario-execution');
    const producer = await log.producer();
    for (let from = 0; from < events.length; from += 5000) {
      await producer.send(
        TOPIC,
        events.slice(from, from + 5000).map((event) => ({
          key: String(event.scenarioId),
          value: topicSerde.encode(event),
          partition: event.scenarioId % PARTITIONS,
        })),
      );
    }
    await producer.close();
    const watch = watchCommits(log);
    const timeRun = async (
      connector: SinkConnector,
      label: string,
      round: number,
      inFlightBatches = sectionInFlightBatches,
      prepareOnDecode = false,
    ): Promise<number> => {
      const gcBefore = gcMillis;
      const mainBefore = mainThreadCpuMs();
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const running = await startSink(connector, {
        log: watch.log,
        serde,
        ...(flags.poll ? { pollMaxRecords: Number(flags.poll) } : {}),
        maxInFlightBatches: inFlightBatches,
        prepareOnDecode,
        batch: { maxRecords: batchSize, maxBytes: 64 * 1024 * 1024, lingerMs: 20 },
      });
      // Told by the commits themselves (a timer loop waiting on stats() costs CPU the sink is charged).
      await watch.whenCommitted(sinkGroup(connector.name), events.length);
      const elapsed = seconds(started);
      const used = process.cpuUsage(cpu);
      await running.stop();
      process.stdout.write(
        `${label} round ${round}: ${Math.round(events.length / elapsed)} rows/s (${elapsed.toFixed(2)} s, ` +
          `${((used.user + used.system) / events.length).toFixed(1)} µs CPU/row ` +
          `(main thread ${(((mainThreadCpuMs() - mainBefore) * 1000) / events.length).toFixed(1)}), ` +
          `GC pauses ${(((gcMillis - gcBefore) * 1000) / events.length).toFixed(1)} µs/row, load ${loadavg()[0]!.toFixed(1)})\n`,
      );
      return events.length / elapsed;
    };
    const store: number[] = [];
    const nothing: number[] = [];
    const ratios: Record<string, number[]> = {};
    // Each round: the bulk loader, then startSink with one batch and with the section's batches in
    // flight per partition (alternating which goes first), each against that round's loader.
    const settings = [...new Set([1, sectionInFlightBatches])];
    for (let round = 1; round <= repeat; round += 1) {
      const loader = await baseline();
      process.stdout.write(`chDB INSERT FORMAT JSONCompactEachRow round ${round}: ${Math.round(loader)} rows/s\n`);
      const cases = settings.flatMap((inFlightBatches) =>
        (round % 2 === 1 ? prepareModes : [...prepareModes].reverse()).map((prepare) => ({ inFlightBatches, prepare })),
      );
      for (const { inFlightBatches, prepare } of round % 2 === 1 ? cases : [...cases].reverse()) {
        await sink.transport().command('TRUNCATE TABLE bench_jsoncompacteachrow.executions');
        if (flags['stop-merges'])
          await sink.transport().command('SYSTEM STOP MERGES bench_jsoncompacteachrow.executions');
        const mode = prepare ? 'prepare' : 'no prepare';
        // A fresh sink name per round: a new consumer group that starts from the first offset.
        const rate = await timeRun(
          {
            ...sink,
            name: `bench-clickhouse-${round}-${inFlightBatches}-${prepare ? 'p' : 'n'}`,
            start: async () => undefined,
            close: async () => undefined,
          },
          `startSink → chDB, ${inFlightBatches} batch(es) in flight, ${mode}`,
          round,
          inFlightBatches,
          prepare,
        );
        if (inFlightBatches === sectionInFlightBatches && prepare === prepareModes[0]) store.push(rate);
        (ratios[`${inFlightBatches} batch(es) in flight, ${mode}`] ??= []).push(rate / loader);
        const stored = await count('bench_jsoncompacteachrow.executions');
        if (stored !== events.length) throw new Error(`startSink stored ${stored} rows, not ${events.length}`);
      }
      nothing.push(
        await timeRun(
          {
            name: `bench-nothing-${round}`,
            topics: sink.topics,
            start: async () => undefined,
            write: async () => allWritten,
            health: async () => ({ healthy: true, detail: 'no-op' }),
            close: async () => undefined,
          },
          'startSink → no-op',
          round,
        ),
      );
    }
    for (const [variant, values] of Object.entries(ratios)) {
      const sorted = [...values].sort((a, b) => a - b);
      process.stdout.write(
        `startSink with ${variant} / same round's JSONCompactEachRow insert: median ` +
          `${(100 * sorted[Math.floor(sorted.length / 2)]!).toFixed(0)} % (rounds ${values.map((v) => (100 * v).toFixed(0)).join('/')} %)\n`,
      );
    }
    return { store, nothing };
  } finally {
    await log.close();
    database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
