/**
 * The connectors' `prepare` hook (`pipeline/sink/api.ts`) A/B, CPU only: a pre-filled embedded topic
 * delivered by `startSink` into the real ClickHouse and search connectors whose store is replaced by
 * a no-op (a transport / client that accepts every body at once), with the hook (`prepareOnDecode:
 * true`) and without it (the default), alternating in one process. What is left is this process's work per row:
 * poll, decode, (prepare), batch, encode or concatenate, commit, and the GC of what batches keep.
 *
 * Reports per round and as medians: rows/s, µs CPU (user + system) per row and main-thread GC pause
 * µs per row, with the load average.
 *
 *   node --import tsx bench/sinks/prepare.ts [--rows 100000] [--repeat 5] [--only clickhouse|search]
 *        [--ch-batch 10000] [--search-batch 1000] [--in-flight-batches 2] [--store-us 0]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { currentDialect } from '../../connectors/sinks/clickhouse/column-types.js';
import { parseClickHouseSinkConfig } from '../../connectors/sinks/clickhouse/config.js';
import { createClickHouseSink } from '../../connectors/sinks/clickhouse/connector.js';
import { sampleExecutions, sampleLogs } from '../../connectors/sinks/clickhouse/testing.js';
import type { ClickHouseTransport } from '../../connectors/sinks/clickhouse/transport.js';
import type { SearchClient } from '../../connectors/sinks/elasticsearch/client.js';
import { parseSearchSinkConfig } from '../../connectors/sinks/elasticsearch/config.js';
import { createSearchSink } from '../../connectors/sinks/elasticsearch/connector.js';
import type { EventLog } from '../../pipeline/log/contract.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore, type AvroSerde } from '../../pipeline/serde/index.js';
import { sinkGroup, startSink, type SinkConnector } from '../../pipeline/sink/index.js';
import Database from '../../pipeline/sqlite.js';
import { watchCommits } from './committed.js';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    repeat: { type: 'string', default: '5' },
    only: { type: 'string' },
    'ch-batch': { type: 'string', default: '10000' },
    'search-batch': { type: 'string', default: '1000' },
    'in-flight-batches': { type: 'string', default: '2' },
    // The no-op stores hold each body this many µs per row of wall time (no CPU), as a store on the
    // other core does: batches then live as long as they do against a real store.
    'store-us': { type: 'string', default: '0' },
  },
});
const storeMicros = Number(flags['store-us']);
/** Waits `rows × --store-us` µs (no CPU). */
const hold = (rows: number): Promise<void> =>
  storeMicros > 0 ? new Promise((resolve) => setTimeout(resolve, (rows * storeMicros) / 1000)) : Promise.resolve();
const rows = Number(flags.rows);
const repeat = Number(flags.repeat);
const PARTITIONS = 6;

let gcMillis = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMillis += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** A transport that takes every insert at once (and counts the rows it was given). */
function nullTransport(): ClickHouseTransport & { rows: number } {
  const transport = {
    kind: 'chdb' as const,
    target: 'null',
    rows: 0,
    command: async () => undefined,
    query: async <Row>() => [] as Row[],
    insert: async (request: { body: string | Buffer }) => {
      const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
      let lines = 0;
      for (let i = body.indexOf(10); i >= 0; i = body.indexOf(10, i + 1)) lines += 1;
      await hold(lines);
      transport.rows += lines;
    },
    close: async () => undefined,
  };
  return transport;
}

/** A client whose `_bulk` stores everything at once (and counts the documents). */
function nullClient(): SearchClient & { docs: number } {
  const client = {
    docs: 0,
    bulk: async (body: Buffer) => {
      let lines = 0;
      for (let i = body.indexOf(10); i >= 0; i = body.indexOf(10, i + 1)) lines += 1;
      await hold(lines / 2);
      client.docs += lines / 2;
      return { errors: false };
    },
    putComponentTemplate: async () => undefined,
    putIndexTemplate: async () => undefined,
    clusterStatus: async () => 'green' as const,
    close: async () => undefined,
  };
  return client as unknown as SearchClient & { docs: number };
}

async function prefill(
  log: EventLog,
  serde: AvroSerde,
  topic: string,
  schema: 'scenario-execution' | 'enriched-log',
  values: readonly unknown[],
): Promise<void> {
  await log.createTopics([{ name: topic, partitions: PARTITIONS }]);
  const topicSerde = await bindTopic(serde, topic, schema);
  const producer = await log.producer();
  for (let from = 0; from < values.length; from += 5000) {
    await producer.send(
      topic,
      values.slice(from, from + 5000).map((value) => ({
        key: String((value as { scenarioId?: number | null }).scenarioId),
        value: topicSerde.encode(value as never),
        partition: Number((value as { scenarioId?: number | null }).scenarioId ?? 0) % PARTITIONS,
      })),
    );
  }
  await producer.close();
}

interface Round {
  readonly rate: number;
  readonly cpu: number;
  readonly gc: number;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-bench-prepare-'));
  const database = new Database(':memory:');
  const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
  const log = createEmbeddedLog({ path: join(directory, 'log.db'), synchronous: 'normal', maintenanceIntervalMs: 0 });
  const watch = watchCommits(log);
  const results: Record<string, Round[]> = {};
  const inFlight = Number(flags['in-flight-batches']);
  try {
    const executions = sampleExecutions(rows, { baseTime: Date.now() - 2 * 86_400_000, scenarios: 200, teams: 20 });
    const cases: {
      label: string;
      make: () => Promise<{ sink: SinkConnector; stored: () => number }>;
      batch: number;
      topic: string;
    }[] = [];
    if (flags.only !== 'search') {
      await prefill(log, serde, 'make.executions.raw.v1', 'scenario-execution', executions);
      cases.push({
        label: 'clickhouse executions',
        topic: 'make.executions.raw.v1',
        batch: Number(flags['ch-batch']),
        make: async () => {
          const transport = nullTransport();
          const sink = createClickHouseSink(
            parseClickHouseSinkConfig({ topics: ['make.executions.raw.v1'], ttlDays: 0 }),
            { transport, dialect: currentDialect, migrations: [] },
          );
          await sink.start();
          return { sink, stored: () => transport.rows };
        },
      });
    }
    if (flags.only !== 'clickhouse') {
      const logs = sampleLogs(executions).slice(0, rows);
      await prefill(log, serde, 'make.logs.enriched.v1', 'enriched-log', logs);
      cases.push({
        label: 'search enriched logs',
        topic: 'make.logs.enriched.v1',
        batch: Number(flags['search-batch']),
        make: async () => {
          const client = nullClient();
          const sink = createSearchSink(
            parseSearchSinkConfig({
              flavour: 'elasticsearch',
              nodes: ['http://127.0.0.1:1'],
              topics: ['make.logs.enriched.v1'],
            }),
            { client },
          );
          return { sink, stored: () => client.docs };
        },
      });
      if (logs.length !== rows) throw new Error(`sampleLogs gave ${logs.length} logs, fewer than ${rows}`);
    }
    let run = 0;
    for (let round = 1; round <= repeat; round += 1) {
      for (const entry of cases) {
        for (const prepare of round % 2 === 1 ? [true, false] : [false, true]) {
          const { sink, stored } = await entry.make();
          const name = `bench-prepare-${(run += 1)}`;
          const connector: SinkConnector = { ...sink, name };
          global.gc?.();
          const gcBefore = gcMillis;
          const cpu = process.cpuUsage();
          const started = performance.now();
          const running = await startSink(connector, {
            log: watch.log,
            serde,
            maxInFlightBatches: inFlight,
            prepareOnDecode: prepare,
            batch: { maxRecords: entry.batch, maxBytes: 64 << 20, lingerMs: 20 },
          });
          await watch.whenCommitted(sinkGroup(name), rows);
          const seconds = (performance.now() - started) / 1000;
          const used = process.cpuUsage(cpu);
          const gc = gcMillis - gcBefore;
          await running.stop();
          if (stored() !== rows) throw new Error(`${entry.label}: stored ${stored()} rows, not ${rows}`);
          const result = { rate: rows / seconds, cpu: (used.user + used.system) / rows, gc: (gc * 1000) / rows };
          const key = `${entry.label}, batches of ${entry.batch}, ${prepare ? 'prepare' : 'no prepare'}`;
          (results[key] ??= []).push(result);
          process.stderr.write(
            `round ${round} ${key}: ${Math.round(result.rate)} rows/s, ${result.cpu.toFixed(1)} µs CPU/row, ` +
              `GC pauses ${result.gc.toFixed(1)} µs/row (load ${loadavg()[0]!.toFixed(1)})\n`,
          );
        }
      }
    }
  } finally {
    await log.close();
    database.close();
    rmSync(directory, { recursive: true, force: true });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const min = (xs: number[]): number => Math.min(...xs);
  console.log(
    `\n${rows} rows per case into no-op stores, ${PARTITIONS} partitions, ${inFlight} batch(es) in flight, ` +
      `stores holding ${storeMicros} µs/row, median (min) of ${repeat} rounds; load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  for (const [key, rounds] of Object.entries(results)) {
    console.log(
      `${key.padEnd(58)} ${String(Math.round(median(rounds.map((r) => r.rate)))).padStart(7)} rows/s  ` +
        `${median(rounds.map((r) => r.cpu)).toFixed(1)} (${min(rounds.map((r) => r.cpu)).toFixed(1)}) µs CPU/row  ` +
        `GC ${median(rounds.map((r) => r.gc)).toFixed(1)} (${min(rounds.map((r) => r.gc)).toFixed(1)}) µs/row`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
