/**
 * Produce CPU of the librdkafka path in ONE process, variants alternating round by round, so the
 * machine's load (shared, noisy) hits every variant alike. Each variant produces `--events`
 * ~500-byte Avro ScenarioExecution events in sends of `--batch`, `--in-flight` sends outstanding:
 * - `eventlog …`: `createKafkaLog({ client: 'librdkafka', … })` + the serde's `encode` per event
 *   inside each send (the pipeline's path; one variant per `--variants` kafka config),
 * - `raw native`: the binding's `produce()` per record of the same events pre-encoded, with a
 *   delivery report each and no opaque (what the binding costs before any of our work).
 * Prints per round and variant: events/s, main-thread µs/event (what bounds one Node process),
 * all threads µs/event, broker µs/event, and the load average; then the median per variant.
 *
 *   node --import tsx bench/log/rdkafka-produce.ts [--events 200000] [--rounds 3]
 *     [--variants '[{"producer":{"lingerMs":0}},{"producer":{"lingerMs":5}}]'] [--raw emit,direct,nokey | --raw '']
 *     [--profile DIR]   (a V8 profile of each variant's first round)
 *
 * Needs the local Kafka (`npx tsx infra/local/cli.ts up kafka`); no registry (the schema store
 * is in memory: encoding costs the same). Topics `makestream.bench.rdk.<run>.*` are deleted.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';
import { loadRdkafka } from '../../pipeline/log/kafka/rdkafka/module.js';
import { createEventPool, type EventPool } from './events.js';
import { measureSends, type Measurement } from './measure.js';
import { openTopicAdmin } from './clients/kafka-admin.js';
import { profiled } from './profiler.js';
import { memorySerde } from './serde.js';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '500' },
    'in-flight': { type: 'string', default: '4' },
    partitions: { type: 'string', default: '6' },
    brokers: { type: 'string', default: '127.0.0.1:19092' },
    variants: { type: 'string', default: '[{}]' },
    'raw-linger': { type: 'string', default: '0' },
    raw: { type: 'string', default: 'emit' },
    profile: { type: 'string' },
  },
});
const events = Number(flags.events);
const rounds = Number(flags.rounds);
const batch = Number(flags.batch);
const inFlight = Number(flags['in-flight']);
const partitions = Number(flags.partitions);
const brokers = flags.brokers.split(',');
const variants = JSON.parse(flags.variants) as Record<string, unknown>[];
const run = Date.now().toString(36);
const progress = (message: string): void => void process.stderr.write(`[rdkafka-produce] ${message}\n`);

function brokerPid(): number | undefined {
  try {
    const pid = Number(readFileSync(new URL('../../.stack/kafka/pid', import.meta.url), 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A variant: produces `total` events to `topic`. */
interface Variant {
  readonly name: string;
  produce(topic: string, total: number): Promise<Measurement>;
  close(): Promise<void>;
}

const bound = await memorySerde();
const pool: EventPool = createEventPool(bound.serde, 500, partitions);
const pid = brokerPid();

async function eventLogVariant(config: Record<string, unknown>): Promise<Variant> {
  const log = createKafkaLog({ ...config, client: 'librdkafka', brokers, clientId: 'makestream-bench' });
  const producer = await log.producer();
  const { serde } = bound;
  return {
    name: `eventlog ${JSON.stringify(config)}`,
    produce: (topic, total) =>
      measureSends(
        total,
        batch,
        inFlight,
        (from, count) => {
          const records = new Array<{ key: string; value: Buffer }>(count);
          for (let i = 0; i < count; i++) {
            const event = pool.events[(from + i) % pool.events.length]!;
            records[i] = { key: String(event.scenarioId), value: serde.encode(event) };
          }
          return producer.send(topic, records);
        },
        pid,
      ),
    close: async () => (await producer.close(), await log.close()),
  };
}

/**
 * How the raw variant gets its reports: `emit` as the backend does (`on('delivery-report')`),
 * `direct` with the binding's report callback replaced before connecting (no bound wrapper, no
 * EventEmitter: what that layer costs), `nokey` like `emit` but records without keys (what
 * copying the key back into every report costs).
 */
type RawMode = 'emit' | 'direct' | 'nokey';

/** The binding alone: pre-encoded events, one delivery report each, matched per partition (no opaque). */
async function rawVariant(lingerMs: number, mode: RawMode): Promise<Variant> {
  const module = loadRdkafka();
  const native = new module.Producer({
    'bootstrap.servers': brokers.join(','),
    'enable.idempotence': true,
    acks: 'all',
    'linger.ms': lingerMs,
    dr_cb: true,
  });
  const waiting = new Map<number, (() => void)[]>();
  const onReport = (error: unknown, report: { partition: number }): void => {
    if (error) throw new Error(`raw native delivery failed: ${String(error)}`);
    waiting.get(report.partition)!.shift()!();
  };
  if (mode === 'direct') {
    // The binding's internals (lib/producer.js): the function its C++ side calls per report.
    const internals = native as unknown as { _cb_configs: { event: { delivery_cb: unknown } } };
    internals._cb_configs.event.delivery_cb = Object.assign(onReport, { dr_msg_cb: false });
  } else {
    native.on('delivery-report', onReport);
  }
  await new Promise<void>((resolve, reject) => native.connect({}, (error) => (error ? reject(error) : resolve())));
  native.setPollInBackground(true);
  return {
    name: `raw native ${mode} (linger ${lingerMs})`,
    produce: (topic, total) =>
      measureSends(
        total,
        batch,
        inFlight,
        (from, count) =>
          new Promise<void>((resolve) => {
            let remaining = count;
            const settle = (): void => void (--remaining === 0 && resolve());
            for (let i = 0; i < count; i++) {
              const { key, value, partition } = pool.encoded[(from + i) % pool.encoded.length]!;
              native.produce(topic, partition, value, mode === 'nokey' ? null : key, Date.now(), undefined, undefined);
              let queue = waiting.get(partition);
              if (queue === undefined) waiting.set(partition, (queue = []));
              queue.push(settle);
            }
          }),
        pid,
      ),
    close: () => new Promise<void>((resolve) => native.disconnect(5000, () => resolve())),
  };
}

const admin = await openTopicAdmin(brokers, partitions);
const topicName = (suffix: string): string => `makestream.bench.rdk.${run}.${suffix}`;
const opened: Variant[] = [];
for (const config of variants) opened.push(await eventLogVariant(config));
for (const mode of flags.raw.split(',').filter((name) => name !== '')) {
  opened.push(await rawVariant(Number(flags['raw-linger']), mode as RawMode));
}

const results = new Map<string, Measurement[]>();
try {
  // Warm-up: JIT, connections, metadata.
  for (const variant of opened) {
    const topic = topicName(`warm-${opened.indexOf(variant)}`);
    await admin.create([topic]);
    await variant.produce(topic, 20_000);
  }
  for (let round = 0; round < rounds; round++) {
    for (const [index, variant] of opened.entries()) {
      const topic = topicName(`r${round}-v${index}`);
      await admin.create([topic]);
      const measured = await profiled(round === 0 ? flags.profile : undefined, `rdkafka-produce-v${index}`, () =>
        variant.produce(topic, events),
      );
      const written = await admin.count(topic);
      if (written !== events) throw new Error(`${variant.name}: ${written} records in the topic, ${events} sent`);
      results.set(variant.name, [...(results.get(variant.name) ?? []), measured]);
      progress(`round ${round + 1} ${variant.name}: ${format(measured)}`);
    }
  }
} finally {
  for (const variant of opened) await variant.close().catch(() => undefined);
  await admin.close();
  await bound.close();
}

function format(m: Measurement): string {
  const per = (ms: number | undefined): string => (ms === undefined ? '-' : ((ms * 1000) / m.events).toFixed(1));
  const rate = Math.round((m.events / m.elapsedMs) * 1000);
  return (
    `${rate} ev/s, main ${per(m.mainThreadCpuMs)} µs/ev, all threads ${per(m.clientCpuMs)}, ` +
    `broker ${per(m.brokerCpuMs)}, others ${m.otherCores?.toFixed(2) ?? '-'} cores, load ${loadavg()[0]!.toFixed(1)}`
  );
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [name, measured] of results) {
  const rates = measured.map((m) => (m.events / m.elapsedMs) * 1000);
  const main = measured.map((m) => ((m.mainThreadCpuMs ?? NaN) * 1000) / m.events);
  const all = measured.map((m) => (m.clientCpuMs * 1000) / m.events);
  const broker = measured.map((m) => ((m.brokerCpuMs ?? NaN) * 1000) / m.events);
  process.stdout.write(
    `${name}: median ${Math.round(median(rates))} ev/s (rounds ${rates.map((r) => Math.round(r)).join(', ')}), ` +
      `main ${median(main).toFixed(1)} µs/ev (${main.map((v) => v.toFixed(1)).join(', ')}), ` +
      `all threads ${median(all).toFixed(1)}, broker ${median(broker).toFixed(1)}\n`,
  );
}
process.stdout.write(
  `load average ${loadavg()
    .map((v) => v.toFixed(1))
    .join(' ')}\n`,
);
