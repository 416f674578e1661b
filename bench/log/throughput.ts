/**
 * Produce and consume throughput, and per-send ack latency, of ~500-byte Avro ScenarioExecution
 * events through our EventLog backends (Kafka on kafkajs, embedded SQLite), raw Kafka clients
 * (kafkajs, @confluentinc/kafka-javascript) and kcat as the baseline, in one run. Prints progress
 * on stderr, then a table and one JSON line on stdout. See bench/README.md for what each number
 * means and the figures of the last reference run.
 *
 *   npm run bench:log -- [--events 200000] [--only kafka-eventlog] …   (--help for all flags)
 *   npm run bench:log -- --only kafka-eventlog --profile .prof   (one CPU profile per measured case)
 *
 * Needs the local Kafka and registry for the Kafka rows (`npx tsx infra/local/cli.ts up kafka
 * registry`); the topics it creates (`makestream.bench.<run>.*`) are deleted at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchClient, ClientContext, ClientFactory, ProducePurpose } from './clients/client.js';
import { confluentKafkaJsFactory, confluentNativeFactory } from './clients/confluent.js';
import { embeddedEventLogFactory, kafkaEventLogFactory, kafkaEventLogRdkafkaFactory } from './clients/eventlog.js';
import { openTopicAdmin, type KafkaTopicAdmin } from './clients/kafka-admin.js';
import { kafkajsFactory } from './clients/kafkajs.js';
import { kcatFactory } from './clients/kcat.js';
import { createEventPool } from './events.js';
import { processCpuMs, type Measurement } from './measure.js';
import { profiled } from './profiler.js';
import { parseOptions, selected, usage, type BenchOptions } from './options.js';
import { formatTable, toRows, type CaseResult, type Skipped } from './report.js';
import { memorySerde, registrySerde, type BoundSerde } from './serde.js';

const factories: readonly ClientFactory[] = [
  kcatFactory,
  kafkajsFactory,
  confluentKafkaJsFactory,
  confluentNativeFactory,
  embeddedEventLogFactory,
  // Last: it is the most involved client; a failure in it cannot disturb the others' figures.
  kafkaEventLogFactory,
  kafkaEventLogRdkafkaFactory,
];

const progress = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

/** The local stack's broker pid, for CPU accounting (undefined when the stack is not ours or not up). */
function localBrokerPid(): number | undefined {
  try {
    const file = fileURLToPath(new URL('../../.stack/kafka/pid', import.meta.url));
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The cases of one client, in the order they run. */
function casesOf(factory: ClientFactory, options: BenchOptions) {
  // kcat streams its input: batch size and sends in flight do not apply.
  const throughput = factory.baseline
    ? `${factory.id}.produce`
    : `${factory.id}.produce.b${options.batch}x${options.inFlight}`;
  const latency = factory.baseline || options.latencySends === 0 ? undefined : `${factory.id}.produce.b1x1`;
  const consume = `${factory.id}.consume`;
  return {
    throughput: selected(options, throughput) ? throughput : undefined,
    latency: latency !== undefined && selected(options, latency) ? latency : undefined,
    consume: selected(options, consume) ? consume : undefined,
  };
}

/** A case's measurements over the rounds, before the best is chosen. */
interface Collected {
  readonly base: Omit<CaseResult, 'measurement' | 'runs' | 'notes'>;
  readonly runs: Measurement[];
  readonly notes: Set<string>;
}

const rate = (m: Measurement): number => m.events / m.elapsedMs;

/**
 * Runs one client's cases `options.repeat` times (fresh topics each round, one warm-up before)
 * and appends each case's fastest round to `results`: on a shared machine the fastest round is
 * the one least disturbed by others (for the kcat baseline, the median round). All rounds' rates
 * are kept in the result.
 */
async function runClient(
  factory: ClientFactory,
  client: BenchClient,
  options: BenchOptions,
  runId: string,
  brokerNotes: () => string[],
  results: CaseResult[],
): Promise<void> {
  const cases = casesOf(factory, options);
  const name = (purpose: string): string => `makestream.bench.${runId}.${factory.id}.${purpose}`;
  const rounds = Array.from({ length: options.repeat }, (_, index) => index + 1);
  await client.createTopics([
    name('warmup'),
    ...rounds.flatMap((round) => [name(`throughput-${round}`), name(`latency-${round}`)]),
  ]);
  const written = new Map<string, number>();

  /** Produces to `topic`; its first send of one record is unmeasured (topic metadata, first connection). */
  const produce = async (
    label: string,
    topic: string,
    total: number,
    batch: number,
    inFlight: number,
    purpose: ProducePurpose,
  ) => {
    progress(`${label}: producing ${total} events`);
    if (!written.has(topic)) {
      await client.produce(topic, 1, 1, 1, purpose);
      written.set(topic, 1);
    }
    const measurement = await client.produce(topic, total, batch, inFlight, purpose);
    const expected = written.get(topic)! + total;
    written.set(topic, expected);
    const count = await client.countRecords(topic);
    if (count !== expected) throw new Error(`${label}: ${count} records in ${topic}, expected ${expected}.`);
    return measurement;
  };

  const collected = new Map<string, Collected>();
  const keep = (base: Collected['base'], measurement: Measurement): void => {
    const entry = collected.get(base.id) ?? { base, runs: [], notes: new Set<string>() };
    entry.runs.push(measurement);
    for (const note of brokerNotes()) entry.notes.add(note);
    collected.set(base.id, entry);
  };
  const common = { client: factory.id, label: factory.label };

  if (options.warmup > 0) {
    const topic = name('warmup');
    await produce(`${factory.id} warm-up`, topic, options.warmup, options.batch, options.inFlight, 'throughput');
    progress(`${factory.id} warm-up: consuming`);
    await client.consume(topic, written.get(topic)!, topic);
  }
  try {
    await runRounds();
  } finally {
    // Cases measured before a failure are still reported.
    for (const { base, runs, notes } of collected.values()) {
      // kcat's rate is a difference of two runs, which noise can push either way: take its median.
      const sorted = [...runs].sort((a, b) => rate(a) - rate(b));
      const chosen = factory.baseline ? sorted[Math.floor((sorted.length - 1) / 2)]! : sorted.at(-1)!;
      results.push({ ...base, measurement: chosen, runs, notes: [...notes] });
    }
  }

  async function runRounds(): Promise<void> {
    for (const round of rounds) {
      const of = options.repeat > 1 ? ` (round ${round}/${options.repeat})` : '';
      // Profiles cover the first round only (one file per case).
      const profile = round === 1 ? options.profile : undefined;
      const throughputTopic = name(`throughput-${round}`);
      if (cases.throughput !== undefined || cases.consume !== undefined) {
        const id = cases.throughput ?? `${factory.id} (data for consume)`;
        const measurement = await profiled(cases.throughput && profile, id, () =>
          produce(`${id}${of}`, throughputTopic, options.events, options.batch, options.inFlight, 'throughput'),
        );
        if (cases.throughput !== undefined) {
          const shape = factory.baseline ? {} : { batch: options.batch, inFlight: options.inFlight };
          keep({ ...common, ...shape, id: cases.throughput, phase: 'produce', kind: 'throughput' }, measurement);
        }
      }
      if (cases.latency !== undefined) {
        const id = cases.latency;
        const measurement = await profiled(profile, id, () =>
          produce(`${id}${of}`, name(`latency-${round}`), options.latencySends, 1, 1, 'latency'),
        );
        keep({ ...common, id, phase: 'produce', kind: 'latency', batch: 1, inFlight: 1 }, measurement);
      }
      if (cases.consume !== undefined) {
        const id = cases.consume;
        const total = written.get(throughputTopic)!;
        progress(`${id}${of}: consuming ${total} events`);
        const measurement = await profiled(profile, id, () =>
          client.consume(throughputTopic, total, `${throughputTopic}.reader`),
        );
        keep({ ...common, id, phase: 'consume', kind: 'throughput' }, measurement);
      }
    }
  }
}

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2), process.env);
  if (parsed === 'help') {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const options = parsed;
  const runId = Date.now().toString(36);
  const scratch = mkdtempSync(join(tmpdir(), 'makestream-bench-'));
  const brokerPid = options.brokerPid ?? localBrokerPid();
  // Others share the local broker (and restart it for their tests): a case during which it
  // restarted is flagged, its figures are not comparable.
  let brokerNow = brokerPid;
  const brokerNotes = (): string[] => {
    const current = options.brokerPid ?? localBrokerPid();
    const restarted = current !== brokerNow || (current !== undefined && processCpuMs(current) === undefined);
    brokerNow = current;
    if (!restarted) return [];
    progress('the broker restarted during this case: its figures are not comparable; run again.');
    return ['broker restarted during this case'];
  };
  const serdes: BoundSerde[] = [];
  let admin: Promise<KafkaTopicAdmin> | undefined;
  let registry: Promise<BoundSerde> | undefined;
  const results: CaseResult[] = [];
  const skipped: Skipped[] = [];

  try {
    const memory = await memorySerde();
    serdes.push(memory);
    const pool = createEventPool(memory.serde, options.bytes, options.partitions);
    progress(
      `run ${runId}: ${pool.events.length} distinct events, mean value ${pool.meanValueBytes.toFixed(0)} bytes, key ${pool.meanKeyBytes.toFixed(0)} bytes`,
    );
    const context: ClientContext = {
      options,
      pool,
      // Read at each measurement: others restart the shared broker (the pid changes).
      get brokerPid() {
        return options.brokerPid ?? localBrokerPid();
      },
      scratch,
      kafkaAdmin: () => (admin ??= openTopicAdmin(options.brokers, options.partitions)),
      registrySerde: async () => {
        registry ??= registrySerde(options.registry).then((bound) => (serdes.push(bound), bound));
        return (await registry).serde;
      },
    };

    for (const factory of factories) {
      const cases = casesOf(factory, options);
      if (cases.throughput === undefined && cases.latency === undefined && cases.consume === undefined) continue;
      let client: BenchClient | undefined;
      try {
        const opened = await factory.open(context);
        if ('unavailable' in opened) {
          skipped.push({ client: factory.id, reason: opened.unavailable });
          progress(`${factory.id}: skipped, ${opened.unavailable}`);
          continue;
        }
        client = opened;
        brokerNotes();
        const notes = factory.log === 'kafka' ? brokerNotes : () => [];
        await runClient(factory, client, options, runId, notes, results);
      } catch (error) {
        const reason = (error as Error).message;
        skipped.push({ client: factory.id, reason });
        progress(`${factory.id}: failed, ${reason}`);
      } finally {
        await client
          ?.close()
          .catch((error: unknown) => progress(`${factory.id}: close failed, ${(error as Error).message}`));
      }
    }

    const rows = toRows(results, pool.meanKeyBytes + pool.meanValueBytes);
    process.stdout.write(`\n${formatTable(rows)}\n`);
    for (const { client, reason } of skipped) process.stdout.write(`not measured: ${client}: ${reason}\n`);
    const summary = {
      bench: 'log-throughput',
      runId,
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
      options: { ...options, only: options.only?.source, skip: options.skip?.source },
      meanValueBytes: Math.round(pool.meanValueBytes),
      meanKeyBytes: Math.round(pool.meanKeyBytes),
      rows,
      skipped,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    if (admin) {
      const opened = await admin.catch(() => undefined);
      await opened
        ?.deleteCreated()
        .catch((error: unknown) => progress(`deleting the run's topics failed: ${(error as Error).message}`));
      await opened?.close();
    }
    for (const serde of serdes) await serde.close().catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
