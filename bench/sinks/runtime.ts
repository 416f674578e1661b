/**
 * The sink runtime's own cost per record, without a store: a pre-filled topic of Avro EnrichedLogs
 * (~1 KB documents) read by `startSink` into a connector that stores nothing, until every offset is
 * committed. Two connectors:
 *
 * - `no-op`: `write()` resolves at once: the runtime flat out (its ceiling, CPU-bound);
 * - `store-like`: `write()` holds each batch for `--store-us` µs per record of wall time without
 *   using this process's CPU, as a store on the other core does: shows whether the runtime reads
 *   and decodes batch N+1 while the store works on batch N (rate close to 1e6 / store-us when it
 *   does, well below when it does not).
 *
 * Reports records/s and this process's CPU (user + system) µs per record for each round, on the
 * embedded log (default) or Kafka (`--log kafka`, the local stack's broker). The CPU per record is
 * the stable figure on the shared machine; the rates move with the neighbours' load.
 *
 * - with `--encode-us N`, the store-like connector first burns N µs of this thread's CPU per record
 *   (a connector encoding its batch before sending it): with one batch in flight the store then
 *   waits for each encoding; with `--in-flight-batches 2` the next batch is encoded meanwhile.
 *
 *   node --import tsx bench/sinks/runtime.ts [--records 50000] [--batch 1000] [--partitions 1]
 *        [--repeat 3] [--store-us 60] [--encode-us 0] [--poll <runtime default>] [--in-flight-batches 1]
 *        [--log embedded|kafka]
 *   (profile: node --cpu-prof --cpu-prof-dir /tmp/prof --import tsx bench/sinks/runtime.ts …)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { EventLog } from '../../pipeline/log/contract.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';
import { allWritten, startSink, type SinkConnector } from '../../pipeline/sink/index.js';
import { defaultPollRecords } from '../../pipeline/sink/runtime.js';
import { avroTopic } from '../../pipeline/runtime/api.js';
import Database from '../../pipeline/sqlite.js';
import { sinkGroup } from '../../pipeline/sink/api.js';
import { watchCommits } from './committed.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';

const { values: flags } = parseArgs({
  options: {
    'in-flight-batches': { type: 'string', default: process.env.BENCH_IN_FLIGHT_BATCHES },
    records: { type: 'string', default: process.env.BENCH_RECORDS ?? '50000' },
    batch: { type: 'string', default: process.env.BENCH_BATCH ?? '1000' },
    partitions: { type: 'string', default: process.env.BENCH_PARTITIONS ?? '1' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '3' },
    'store-us': { type: 'string', default: process.env.BENCH_STORE_US ?? '60' },
    'encode-us': { type: 'string', default: process.env.BENCH_ENCODE_US ?? '0' },
    poll: { type: 'string', default: process.env.BENCH_POLL },
    log: { type: 'string', default: process.env.BENCH_LOG ?? 'embedded' },
  },
});
const records = Number(flags.records);
const batchSize = Number(flags.batch);
const partitions = Number(flags.partitions);
const repeat = Number(flags.repeat);
const storeMicros = Number(flags['store-us']);
const encodeMicros = Number(flags['encode-us']);
/** The runtime's default poll size unless given. */
const pollRecords = Number(flags.poll ?? defaultPollRecords(batchSize));
const run = Date.now().toString(36);
const topic = `makestream.bench.${run}.logs.enriched`;

/** Main-thread GC pause time so far (ms): where a runtime's retained batches cost CPU. */
let gcMillis = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMillis += entry.duration;
}).observe({ entryTypes: ['gc'] });

function makeLogs(count: number): EnrichedLog[] {
  const base = exampleEvents['com.makestream.v1.EnrichedLog'];
  return Array.from({ length: count }, (_, i) => ({
    ...base,
    eventId: `${run}-${i}`,
    timestamp: base.timestamp + i,
    scenarioId: 1000 + (i % 2000),
    executionId: `${run}${i.toString(16).padStart(24, '0')}`,
    message: `${base.message} #${i}`,
  }));
}

/** Burns `micros` of this thread's CPU, as a connector encoding a batch does before it sends it. */
function burn(micros: number): void {
  const until = performance.now() + micros / 1000;
  while (performance.now() < until);
}

function connector(name: string, holdMicrosPerRecord: number, encodeMicrosPerRecord: number): SinkConnector {
  return {
    name,
    topics: [avroTopic(topic, 'enriched-log')],
    start: async () => undefined,
    write: async (batch) => {
      if (encodeMicrosPerRecord > 0) burn(batch.items.length * encodeMicrosPerRecord);
      if (holdMicrosPerRecord > 0) {
        await new Promise((resolve) => setTimeout(resolve, (batch.items.length * holdMicrosPerRecord) / 1000));
      }
      return allWritten;
    },
    health: async () => ({ healthy: true, detail: 'bench' }),
    close: async () => undefined,
  };
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-bench-runtime-'));
  const database = new Database(':memory:');
  const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
  const log: EventLog =
    flags.log === 'kafka'
      ? createKafkaLog({ brokers: ['127.0.0.1:19092'], clientId: `bench-runtime-${run}` })
      : createEmbeddedLog({ path: join(directory, 'log.db'), synchronous: 'normal', maintenanceIntervalMs: 0 });
  const watch = watchCommits(log);
  const results: Record<string, { rate: number; cpu: number; gc: number }[]> = { 'no-op': [], 'store-like': [] };
  try {
    await log.createTopics([{ name: topic, partitions }]);
    const topicSerde = await bindTopic(serde, topic, 'enriched-log');
    const producer = await log.producer();
    const values = makeLogs(records);
    for (let from = 0; from < values.length; from += 5000) {
      await producer.send(
        topic,
        values.slice(from, from + 5000).map((value, i) => ({
          key: String(value.scenarioId),
          value: topicSerde.encode(value),
          partition: (from + i) % partitions,
        })),
      );
    }
    await producer.close();
    for (let round = 1; round <= repeat; round += 1) {
      for (const [label, hold] of [
        ['no-op', 0],
        ['store-like', storeMicros],
      ] as const) {
        const cpu = process.cpuUsage();
        const gcBefore = gcMillis;
        const started = performance.now();
        const name = `bench-runtime-${run}-${label}-${round}`;
        const running = await startSink(connector(name, hold, label === 'no-op' ? 0 : encodeMicros), {
          log: watch.log,
          serde,
          pollMaxRecords: pollRecords,
          ...(flags['in-flight-batches'] ? { maxInFlightBatches: Number(flags['in-flight-batches']) } : {}),
          batch: { maxRecords: batchSize, maxBytes: 64 << 20, lingerMs: 20 },
        });
        await watch.whenCommitted(sinkGroup(name), records);
        const seconds = (performance.now() - started) / 1000;
        const used = process.cpuUsage(cpu);
        await running.stop();
        const result = {
          rate: records / seconds,
          cpu: (used.user + used.system) / records,
          gc: ((gcMillis - gcBefore) * 1000) / records,
        };
        results[label]!.push(result);
        process.stderr.write(
          `round ${round} ${label}: ${Math.round(result.rate)} records/s, ${result.cpu.toFixed(1)} µs CPU/record ` +
            `(GC pauses ${result.gc.toFixed(1)} µs/record) ` +
            `(load ${loadavg()[0]!.toFixed(1)})\n`,
        );
      }
    }
  } finally {
    await log.close();
    database.close();
    rmSync(directory, { recursive: true, force: true });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `\n${records} EnrichedLogs on the ${flags.log} log, ${partitions} partition(s), batches of ${batchSize}, ` +
      `store-like hold ${storeMicros} µs/record (ceiling ${Math.round(1e6 / storeMicros)}/s) after ${encodeMicros} µs of ` +
      `encoding CPU/record, polls of ${pollRecords}, ${flags['in-flight-batches'] ?? 1} batch(es) in flight; load ${loadavg()[0]!.toFixed(1)}`,
  );
  for (const [label, rounds] of Object.entries(results)) {
    console.log(
      `${label.padEnd(11)} ${String(Math.round(median(rounds.map((r) => r.rate)))).padStart(8)} records/s  ` +
        `${median(rounds.map((r) => r.cpu)).toFixed(1)} µs CPU/record  ` +
        `GC pauses ${median(rounds.map((r) => r.gc)).toFixed(1)} µs/record  rounds ${rounds.map((r) => Math.round(r.rate)).join('/')}`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
