/**
 * Throughput of the aggregate processor (events/s in one Node process) and the Kafka Streams peer
 * baseline on the same broker and the same bytes.
 *
 *   node --import tsx bench/aggregate/throughput.ts [--events 200000] [--scenarios 2000] [--step-ms 5]
 *        [--partitions 6] [--kafka] [--guarantee at_least_once|exactly_once_v2] [--threads 1]
 *        [--runner embedded,kafka] [--skip-in-process] [--brokers 127.0.0.1:19092] [--registry <ccompat url>]
 *
 * Phases (one JSON line each):
 * - `in-process`: the runtime's task code through the test driver (Avro decode of the pre-encoded
 *   input, the aggregate, its JSON state store and changelog journal, timers, Avro encode of the
 *   outputs), no log I/O;
 * - with `--runner embedded` / `--runner kafka`: the real processor runner (transactions per task:
 *   outputs, changelogs, offsets) over a fresh topic on that log (bench/aggregate/runner.ts);
 * - with `--kafka`: the input is produced once to a fresh topic on the local broker and `kstreams`,
 *   the Java app in `kstreams/` (built by `run.sh`), aggregates it; then `runner-kafka`: our runner
 *   over the same bytes on the same broker; last a `ratio` line: ours / Kafka Streams in events per
 *   CPU-second (and the wall-clock ratio, which depends on what else the machine runs).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';
import { partitionForKey } from '../../pipeline/log/partitioner.js';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import { aggregateProcessor, EXECUTIONS_TOPIC } from '../../processors/aggregate/index.js';
import { benchExecutions, type EncodedExecution } from './data.js';
import { runOnRunner } from './runner.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    scenarios: { type: 'string', default: '2000' },
    'step-ms': { type: 'string', default: '5' },
    partitions: { type: 'string', default: '6' },
    kafka: { type: 'boolean', default: false },
    guarantee: { type: 'string', default: 'at_least_once' },
    threads: { type: 'string', default: '1' },
    brokers: { type: 'string', default: '127.0.0.1:19092' },
    registry: { type: 'string', default: 'http://127.0.0.1:18081/apis/ccompat/v7' },
    runner: { type: 'string', default: '' },
    'skip-in-process': { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const partitions = Number(values.partitions);
const config = { allowedLatenessMs: 120_000 };

const print = (line: Record<string, unknown>): void => console.log(JSON.stringify(line));

/**
 * CPU seconds of this process (user + system, all threads). The machine is shared, so wall-clock
 * rates depend on the neighbours; events per CPU-second is the comparable figure.
 */
const cpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

const generated = performance.now();
const records = benchExecutions({
  count: events,
  scenarios: Number(values.scenarios),
  stepMs: Number(values['step-ms']),
  seed: 42,
});
print({
  phase: 'data',
  events,
  bytesPerEvent: Math.round(records.reduce((sum, record) => sum + record.value.length, 0) / events),
  eventTimeSpanMinutes: Math.round((events * Number(values['step-ms'])) / 60_000),
  seconds: round((performance.now() - generated) / 1000),
});

/** Feeds records into a fresh driver of the aggregate; returns what it emitted. */
function createFeeder() {
  const driver = createTestDriver(aggregateProcessor, { config, partitions });
  return {
    feed(batch: readonly { key: string; value: Buffer; partition: number; timestamp: number }[]): void {
      driver.pipe(EXECUTIONS_TOPIC, batch);
    },
    counters: () => driver.counters(),
  };
}

/** Partition of a key, as the driver and Kafka compute it (cached: precomputed outside the timed loop). */
const partitionCache = new Map<string, number>();
function partitionOf(key: string): number {
  let partition = partitionCache.get(key);
  if (partition === undefined) partitionCache.set(key, (partition = partitionForKey(key, partitions)));
  return partition;
}

function inProcess(input: readonly EncodedExecution[]): number {
  const batch = input.map((record) => ({ ...record, partition: partitionOf(record.key) }));
  const feeder = createFeeder();
  const started = performance.now();
  const cpuStarted = cpuSeconds();
  for (let from = 0; from < batch.length; from += 2_000) feeder.feed(batch.slice(from, from + 2_000));
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds() - cpuStarted;
  const counters = feeder.counters();
  print({
    phase: 'in-process',
    events: input.length,
    seconds: round(seconds),
    eventsPerSecond: Math.round(input.length / seconds),
    cpuSeconds: round(cpu),
    eventsPerCpuSecond: Math.round(input.length / cpu),
    windowsEmitted: counters['records-out'] ?? 0,
    late: counters.late ?? 0,
    deadLetters: counters['dead-letters'] ?? 0,
  });
  return input.length / cpu;
}

async function kafkaRuns(input: readonly EncodedExecution[]): Promise<void> {
  const log = createKafkaLog({ brokers: values.brokers.split(',') });
  const topic = `bench.aggregate.executions.${Date.now().toString(36)}`;
  const output = `${topic}.kstreams-windows`;
  // No retention: the executions' times (January 2026) would make the broker delete whole segments
  // under a time-based retention before they are read.
  await log.createTopics([
    { name: topic, partitions, retentionMs: -1 },
    { name: output, partitions, retentionMs: -1 },
  ]);
  try {
    const producer = await log.producer();
    const produceStarted = performance.now();
    const inFlight: Promise<unknown>[] = [];
    for (let from = 0; from < input.length; from += 1_000) {
      inFlight.push(producer.send(topic, input.slice(from, from + 1_000)));
      if (inFlight.length >= 4) await inFlight.shift();
    }
    await Promise.all(inFlight);
    await producer.close();
    print({ phase: 'produce', events: input.length, seconds: round((performance.now() - produceStarted) / 1000) });

    const theirs = await kstreams(topic, output, input.length);
    // Ours on the same broker: the real runner (transactions per task), on its own copy of the input.
    const ours = await runOnRunner('kafka', input, {
      partitions,
      brokers: values.brokers,
      registryUrl: values.registry,
      config,
    });
    print({ phase: 'runner-kafka', ...ours });
    print({
      phase: 'ratio',
      measure: 'events per CPU-second of the whole process',
      oursRunnerKafka: ours.eventsPerCpuSecond,
      kstreams: Math.round(theirs),
      ratio: round(ours.eventsPerCpuSecond / theirs),
      wallClockRatio: round(ours.eventsPerSecond / kstreamsWallRate),
    });
  } finally {
    const internal = (await log.listTopics()).filter((name) => name.startsWith('makestream-bench-aggregate-'));
    await log.deleteTopics([topic, output, ...internal]).catch(() => undefined);
    await log.close();
  }
}

let kstreamsWallRate = Number.NaN;

async function kstreams(topic: string, output: string, total: number): Promise<number> {
  const project = fileURLToPath(new URL('./kstreams/', import.meta.url));
  const classpath = `${project}target/classes:${readFileSync(`${project}target/classpath.txt`, 'utf8').trim()}`;
  const args = [
    '-cp',
    classpath,
    'com.makestream.bench.AggregateBench',
    `bootstrap=${values.brokers}`,
    `topic=${topic}`,
    `output=${output}`,
    `count=${total}`,
    `graceMs=${config.allowedLatenessMs}`,
    `guarantee=${values.guarantee}`,
    `threads=${values.threads}`,
  ];
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`Kafka Streams bench exited with ${code}: ${text}`)),
    );
  });
  const line = stdout.trim().split('\n').pop()!;
  const result = JSON.parse(line) as { eventsPerCpuSecond: number; eventsPerSecond: number };
  print({ phase: 'kstreams', ...result });
  kstreamsWallRate = result.eventsPerSecond;
  return result.eventsPerCpuSecond;
}

function round(value: number): number {
  return Number(value.toFixed(2));
}

if (!values['skip-in-process']) inProcess(records);
for (const kind of values.runner.split(',').filter(Boolean)) {
  if (kind !== 'embedded' && kind !== 'kafka') throw new Error(`--runner takes embedded and/or kafka, not "${kind}".`);
  const result = await runOnRunner(kind, records, {
    partitions,
    brokers: values.brokers,
    registryUrl: values.registry,
    config,
  });
  print({ phase: `runner-${kind}`, ...result });
}
if (values.kafka) await kafkaRuns(records);
