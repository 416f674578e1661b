/**
 * `@confluentinc/kafka-javascript` (librdkafka 2.15 in the process), an optional dependency: when
 * its native build failed at install, these rows say so and the run goes on. Two APIs:
 * - `confluent-kafkajs`: its promisified KafkaJS-compatible API (`KafkaJS.Kafka`), `send()` of a
 *   batch resolving on the batch's delivery reports, `run({ eachBatch })` counting deliveries.
 * - `confluent-native`: the node-rdkafka API: `produce()` per record with a delivery report each
 *   (a batch resolves when its last report arrives), and a pull loop over `consume(n)`, the shape
 *   our EventLog `poll()` would map onto.
 * Both: idempotent, acks=all, the records' murmur2 partitions, `linger.ms` as configured for
 * throughput and 0 for one-record latency. No decoding, no commits (as the kafkajs rows).
 *
 * The package's own types are not imported: the package may be absent, and `tsc` must still pass.
 * The few calls used are typed here.
 */
import { slice, type EncodedEvent } from '../events.js';
import { consumeDeadlineMs, consumeMeter, measureSends, within, type Measurement } from '../measure.js';
import type { BenchClient, ClientContext, ClientFactory, ProducePurpose } from './client.js';

type Config = Record<string, unknown>;

interface CompatProducer {
  connect(): Promise<void>;
  send(record: { topic: string; messages: { key: Buffer; value: Buffer; partition: number }[] }): Promise<unknown>;
  disconnect(): Promise<void>;
}
interface CompatConsumer {
  connect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: { eachBatch: (payload: { batch: { messages: unknown[] } }) => Promise<void> }): Promise<void>;
  disconnect(): Promise<void>;
}
interface CompatKafka {
  producer(config: Config): CompatProducer;
  consumer(config: Config): CompatConsumer;
}
interface DeliveryReport {
  readonly opaque: unknown;
}
interface NativeClient {
  connect(options?: Config, callback?: (error: Error | null) => void): unknown;
  disconnect(callback: (error: Error | null) => void): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
}
interface NativeProducer extends NativeClient {
  produce(
    topic: string,
    partition: number,
    value: Buffer,
    key: Buffer,
    timestamp: number | null,
    opaque: unknown,
  ): unknown;
  setPollInBackground(enabled: boolean): void;
  flush(timeoutMs: number, callback: (error: Error | null) => void): unknown;
}
interface NativeConsumer extends NativeClient {
  subscribe(topics: string[]): unknown;
  setDefaultConsumeTimeout(timeoutMs: number): void;
  setDefaultIsTimeoutOnlyForFirstMessage(enabled: boolean): void;
  consume(count: number, callback: (error: Error | null, messages: unknown[]) => void): void;
}
interface ConfluentModule {
  readonly librdkafkaVersion: string;
  readonly KafkaJS: { Kafka: new (config: Config) => CompatKafka; logLevel: { readonly ERROR: number } };
  readonly Producer: new (config: Config) => NativeProducer;
  readonly KafkaConsumer: new (config: Config, topicConfig?: Config) => NativeConsumer;
}

const MODULE = '@confluentinc/kafka-javascript';

/** The package, or why it cannot be loaded (not installed, native build missing). */
async function load(): Promise<ConfluentModule | { unavailable: string }> {
  try {
    // A variable specifier, so that tsc does not look for the (optional) package's types.
    const specifier: string = MODULE;
    const loaded = (await import(specifier)) as { default?: ConfluentModule } & Partial<ConfluentModule>;
    return loaded.default ?? (loaded as ConfluentModule);
  } catch (error) {
    const reason = (error as Error).message.replace(/\s+/g, ' ').slice(0, 240);
    return { unavailable: `${MODULE} is not usable here (${reason}); see docs/decisions/0005-kafka-client.md.` };
  }
}

/** The native producer's librdkafka settings (the KafkaJS API gets the same through its `kafkaJS` block). */
const producerSettings = (brokers: readonly string[], lingerMs: number): Config => ({
  'bootstrap.servers': brokers.join(','),
  'client.id': 'makestream-bench',
  'enable.idempotence': true,
  acks: -1,
  'linger.ms': lingerMs,
});

const lingerFor = (purpose: ProducePurpose, lingerMs: number): number => (purpose === 'latency' ? 0 : lingerMs);

export const confluentKafkaJsFactory: ClientFactory = {
  id: 'confluent-kafkajs',
  label: '@confluentinc/kafka-javascript KafkaJS API, pre-encoded',
  log: 'kafka',

  async open(context: ClientContext): Promise<BenchClient | { unavailable: string }> {
    const module = await load();
    if ('unavailable' in module) return module;
    const { options, pool } = context;
    const admin = await context.kafkaAdmin();
    const { Kafka, logLevel } = module.KafkaJS;
    const kafka = new Kafka({
      kafkaJS: { brokers: options.brokers, clientId: 'makestream-bench', logLevel: logLevel.ERROR },
    });
    const producers = new Map<number, Promise<CompatProducer>>();
    const producerFor = (lingerMs: number): Promise<CompatProducer> => {
      let producer = producers.get(lingerMs);
      if (!producer) {
        const created = kafka.producer({ 'linger.ms': lingerMs, kafkaJS: { idempotent: true, acks: -1 } });
        producer = created.connect().then(() => created);
        producers.set(lingerMs, producer);
      }
      return producer;
    };

    return {
      createTopics: (topics) => admin.create(topics),
      countRecords: (topic) => admin.count(topic),

      async produce(topic, total, batch, inFlight, purpose) {
        const producer = await producerFor(lingerFor(purpose, options.lingerMs));
        const messages = (from: number, count: number) =>
          slice(pool.encoded, from, count).map(({ key, value, partition }) => ({ key, value, partition }));
        return measureSends(
          total,
          batch,
          inFlight,
          (from, count) => producer.send({ topic, messages: messages(from, count) }),
          context.brokerPid,
        );
      },

      async consume(topic, total, groupId): Promise<Measurement> {
        const consumer = kafka.consumer({
          kafkaJS: { groupId, fromBeginning: true, autoCommit: false },
          'js.consumer.max.batch.size': options.maxRecords,
        });
        const meter = consumeMeter(total, context.brokerPid);
        await consumer.connect();
        try {
          await consumer.subscribe({ topics: [topic] });
          await consumer.run({
            eachBatch: async ({ batch }) => {
              meter.arrived();
              meter.add(batch.messages.length);
            },
          });
          return await within(consumeDeadlineMs(total), `confluent-kafkajs consuming ${total} records`, meter.done);
        } finally {
          await consumer.disconnect();
        }
      },

      async close() {
        for (const producer of producers.values()) await (await producer).disconnect();
      },
    };
  },
};

const connected = <T extends NativeClient>(client: T): Promise<T> =>
  new Promise((resolve, reject) => client.connect({}, (error) => (error ? reject(error) : resolve(client))));
const disconnected = (client: NativeClient): Promise<void> =>
  new Promise((resolve) => client.disconnect(() => resolve()));

export const confluentNativeFactory: ClientFactory = {
  id: 'confluent-native',
  label: '@confluentinc/kafka-javascript native API, pre-encoded',
  log: 'kafka',

  async open(context: ClientContext): Promise<BenchClient | { unavailable: string }> {
    const module = await load();
    if ('unavailable' in module) return module;
    const { options, pool } = context;
    const admin = await context.kafkaAdmin();
    const producers = new Map<number, Promise<NativeProducer>>();
    const producerFor = (lingerMs: number): Promise<NativeProducer> => {
      let producer = producers.get(lingerMs);
      if (!producer) {
        const created = new module.Producer({ ...producerSettings(options.brokers, lingerMs), dr_cb: true });
        created.on('delivery-report', (error: Error | null, report: DeliveryReport) => {
          (report.opaque as PendingBatch).settle(error);
        });
        producer = connected(created).then((ready) => {
          // librdkafka's background thread hands delivery reports to JS as they come (no poll timer).
          ready.setPollInBackground(true);
          return ready;
        });
        producers.set(lingerMs, producer);
      }
      return producer;
    };

    return {
      createTopics: (topics) => admin.create(topics),
      countRecords: (topic) => admin.count(topic),

      async produce(topic, total, batch, inFlight, purpose) {
        const producer = await producerFor(lingerFor(purpose, options.lingerMs));
        const send = (from: number, count: number): Promise<void> => {
          const pending = pendingBatch(count);
          for (const record of slice<EncodedEvent>(pool.encoded, from, count)) {
            producer.produce(topic, record.partition, record.value, record.key, null, pending);
          }
          return pending.done;
        };
        return measureSends(total, batch, inFlight, send, context.brokerPid);
      },

      async consume(topic, total, groupId): Promise<Measurement> {
        const consumer = await connected(
          new module.KafkaConsumer(
            { 'bootstrap.servers': options.brokers.join(','), 'group.id': groupId, 'enable.auto.commit': false },
            { 'auto.offset.reset': 'earliest' },
          ),
        );
        const meter = consumeMeter(total, context.brokerPid);
        consumer.setDefaultConsumeTimeout(1000);
        // Wait only for the first record, then return what is ready: the semantics of our poll().
        // Marked private in the package, but its own KafkaJS layer sets it the same way.
        consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
        consumer.subscribe([topic]);
        const next = (): Promise<unknown[]> =>
          new Promise((resolve, reject) =>
            consumer.consume(options.maxRecords, (error, messages) => (error ? reject(error) : resolve(messages))),
          );
        const loop = async (): Promise<Measurement> => {
          while (meter.consumed() < total) {
            const messages = await next();
            if (messages.length > 0) meter.arrived();
            meter.add(messages.length);
          }
          return meter.done;
        };
        try {
          return await within(consumeDeadlineMs(total), `confluent-native consuming ${total} records`, loop());
        } finally {
          await disconnected(consumer);
        }
      },

      async close() {
        for (const pending of producers.values()) {
          const producer = await pending;
          await new Promise<void>((resolve) => producer.flush(10_000, () => resolve()));
          await disconnected(producer);
        }
      },
    };
  },
};

/** One batch of native `produce()` calls: `done` settles when every record's delivery report arrived. */
interface PendingBatch {
  readonly done: Promise<void>;
  settle(error: Error | null): void;
}

function pendingBatch(count: number): PendingBatch {
  let remaining = count;
  let failure: Error | null = null;
  let finish: () => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    done,
    settle(error) {
      failure ??= error;
      if (--remaining > 0) return;
      if (failure) fail(failure);
      else finish();
    },
  };
}
