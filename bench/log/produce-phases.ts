/**
 * Where a long produce round loses its rate: produces `--events` ~500-byte Avro ScenarioExecution
 * events through the EventLog (`client: librdkafka`, serde `encode` in each send, as
 * `rdkafka-produce.ts` does) and prints one line per `--phase` events: events/s; main-thread
 * µs/event, its system share, how busy it was (cores), page faults and involuntary context switches
 * (preempted/s) and the share of time it was runnable but waiting for a core (from schedstat: the
 * machine, not the thread, set the pace); the whole machine's busy
 * cores; the process's other threads (librdkafka, GC helpers) and the broker in µs/event; GC
 * pauses (count and ms, from `perf_hooks`); heap and external memory; and with
 * `--count-queue-full`, librdkafka `ERR__QUEUE_FULL` retries (counted by wrapping the binding's
 * `produce`). Early phases against late ones show whether a long round slows down by our doing
 * (GC, heap growth), the client's (queue full), the broker's, or the machine's (preemption).
 *
 *   node --import tsx bench/log/produce-phases.ts [--events 1000000] [--phase 100000]
 *     [--batch 1000] [--in-flight 4] [--config '{"producer":{"lingerMs":20}}'] [--count-queue-full]
 *     [--consume-between]   (then consume the round, decoding and committing as `npm run bench:log`
 *                            does, and produce a second round: what consuming leaves behind)
 *
 * Needs the local Kafka; the topic `makestream.bench.phases.<run>` is deleted afterwards.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { TopicPartitionOffset } from '../../pipeline/log/contract.js';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';
import { loadRdkafka } from '../../pipeline/log/kafka/rdkafka/module.js';
import { openTopicAdmin } from './clients/kafka-admin.js';
import { createEventPool } from './events.js';
import { processCpuMs, systemCpuMs } from './measure.js';
import { memorySerde } from './serde.js';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    phase: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    'in-flight': { type: 'string', default: '4' },
    partitions: { type: 'string', default: '6' },
    brokers: { type: 'string', default: '127.0.0.1:19092' },
    config: { type: 'string', default: '{"producer":{"lingerMs":20}}' },
    'count-queue-full': { type: 'boolean', default: false },
    'consume-between': { type: 'boolean', default: false },
  },
});
const total = Number(flags.events);
const phase = Number(flags.phase);
const batch = Number(flags.batch);
const inFlight = Number(flags['in-flight']);
const partitions = Number(flags.partitions);
const brokers = flags.brokers.split(',');
const config = JSON.parse(flags.config) as Record<string, unknown>;

let queueFull = 0;
if (flags['count-queue-full']) {
  const prototype = loadRdkafka().Producer.prototype as { produce: (...args: unknown[]) => unknown };
  const produce = prototype.produce;
  prototype.produce = function (this: unknown, ...args: unknown[]) {
    try {
      return produce.apply(this, args);
    } catch (error) {
      queueFull++;
      throw error;
    }
  };
}

let gcCount = 0;
let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries() as PerformanceEntry[]) {
    gcCount++;
    gcMs += entry.duration;
  }
});
observer.observe({ entryTypes: ['gc'] });

/** The local broker's pid (from the stack's pid file), for its CPU time. */
function brokerPid(): number | undefined {
  try {
    const pid = Number(readFileSync(new URL('../../.stack/kafka/pid', import.meta.url), 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const bound = await memorySerde();
const pool = createEventPool(bound.serde, 500, partitions);
const pid = brokerPid();
const admin = await openTopicAdmin(brokers, partitions);
const topic = `makestream.bench.phases.${Date.now().toString(36)}`;
const log = createKafkaLog({ ...config, client: 'librdkafka', brokers, clientId: 'makestream-bench' });
const producer = await log.producer();
const { serde } = bound;

const sendBatch = (into: string, from: number, count: number): Promise<unknown> => {
  const records = new Array<{ key: string; value: Buffer }>(count);
  for (let i = 0; i < count; i++) {
    const event = pool.events[(from + i) % pool.events.length]!;
    records[i] = { key: String(event.scenarioId), value: serde.encode(event) };
  }
  return producer.send(into, records);
};

/**
 * The main thread's user and system CPU (ms), minor page faults and involuntary context switches
 * (the scheduler took the core away: other threads or processes wanted it), from /proc.
 */
function mainThread(): { user: number; system: number; faults: number; preempted: number; waitedMs: number } {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8');
    const preempted = Number(/nonvoluntary_ctxt_switches:\s*(\d+)/.exec(status)?.[1] ?? NaN);
    // schedstat: ns on a CPU, ns runnable but waiting for one, time slices.
    const waitedNs = Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]);
    // USER_HZ is 100 on Linux: a tick is 10 ms.
    return {
      user: Number(fields[11]) * 10,
      system: Number(fields[12]) * 10,
      faults: Number(fields[7]),
      preempted,
      waitedMs: waitedNs / 1e6,
    };
  } catch {
    return { user: NaN, system: NaN, faults: NaN, preempted: NaN, waitedMs: NaN };
  }
}

interface Mark {
  readonly at: number;
  readonly main: number;
  readonly mainSystem: number;
  readonly faults: number;
  readonly preempted: number;
  readonly waitedMs: number;
  readonly machine: number;
  readonly all: number;
  readonly broker: number | undefined;
  readonly gcCount: number;
  readonly gcMs: number;
  readonly queueFull: number;
}
const mark = (): Mark => {
  const usage = process.cpuUsage();
  const main = mainThread();
  return {
    at: performance.now(),
    main: main.user + main.system,
    mainSystem: main.system,
    faults: main.faults,
    preempted: main.preempted,
    waitedMs: main.waitedMs,
    machine: systemCpuMs() ?? NaN,
    all: (usage.user + usage.system) / 1000,
    broker: processCpuMs(pid),
    gcCount,
    gcMs,
    queueFull,
  };
};
const line = (label: string, events: number, from: Mark, to: Mark): string => {
  const per = (ms: number): string => ((ms * 1000) / events).toFixed(1);
  const memory = process.memoryUsage();
  return (
    `${label}: ${Math.round((events / (to.at - from.at)) * 1000)} ev/s, main ${per(to.main - from.main)} µs/ev ` +
    `(system ${per(to.mainSystem - from.mainSystem)}, ${((to.main - from.main) / (to.at - from.at)).toFixed(2)} busy, ${((to.waitedMs - from.waitedMs) / (to.at - from.at)).toFixed(2)} waiting for a core, ` +
    `${((to.faults - from.faults) / events).toFixed(2)} faults/ev, preempted ${(((to.preempted - from.preempted) / (to.at - from.at)) * 1000).toFixed(0)}/s), machine ${((to.machine - from.machine) / (to.at - from.at)).toFixed(2)} cores, ` +
    `other threads ${per(to.all - from.all - (to.main - from.main))}, broker ${from.broker === undefined ? '-' : per(to.broker! - from.broker)}, ` +
    `gc ${to.gcCount - from.gcCount}× ${(to.gcMs - from.gcMs).toFixed(0)} ms, heap ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB, ` +
    `external ${(memory.external / 2 ** 20).toFixed(0)} MiB, queue-full ${to.queueFull - from.queueFull}, load ${loadavg()[0]!.toFixed(1)}`
  );
};

/** Produces `total` events to `into`, printing a line per `phase` events and one for the whole round. */
async function produceRound(into: string, label: string): Promise<void> {
  const sends = Math.ceil(total / batch);
  let next = 0;
  let done = 0;
  const start = mark();
  let last = start;
  let lastDone = 0;
  const worker = async (): Promise<void> => {
    while (next < sends) {
      const from = next++ * batch;
      const count = Math.min(batch, total - from);
      await sendBatch(into, from, count);
      done += count;
      if (done % phase === 0 || done === total) {
        const now = mark();
        process.stdout.write(`${line(String(done).padStart(8), done - lastDone, last, now)}\n`);
        last = now;
        lastDone = done;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  process.stdout.write(`${line(`${label} total`, total, start, mark())}\n`);
}

/** Consumes `count` records of `from` as the log bench does: decode each poll, commit after it. */
async function consumeAll(from: string, count: number): Promise<void> {
  const consumer = await log.consumer({ groupId: `${from}.reader`, topics: [from], startFrom: 'earliest' });
  const start = mark();
  try {
    let consumed = 0;
    while (consumed < count) {
      const polled = await consumer.poll(1000);
      if (polled.length === 0) continue;
      await serde.decodeMany(polled.map((record) => record.value!));
      const next = new Map<number, TopicPartitionOffset>();
      for (const record of polled) next.set(record.partition, { ...record, offset: record.offset + 1 });
      await consumer.commit([...next.values()]);
      consumed += polled.length;
    }
  } finally {
    await consumer.close();
  }
  process.stdout.write(`${line('consumed', count, start, mark())}\n`);
}

try {
  await admin.create([topic]);
  await sendBatch(topic, 0, 20_000); // warm-up: JIT, connections, metadata
  await produceRound(topic, 'round 1');
  if (flags['consume-between']) {
    // What `npm run bench:log` does between its produce rounds: does consuming slow the next round?
    await consumeAll(topic, total + 20_000);
    const second = `${topic}.2`;
    await admin.create([second]);
    await produceRound(second, 'round 2 (after consuming)');
  }
} finally {
  observer.disconnect();
  await producer.close();
  await log.close();
  await admin.deleteCreated().catch(() => undefined);
  await admin.close();
  await bound.close();
}
