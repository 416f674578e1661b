/**
 * Our EventLog backends as the pipeline uses them: events are encoded with the Avro serde inside
 * each send (Confluent framing, schema registered once) and keyed by scenario id; consumers
 * `poll()`, decode every value (`decodeMany`, one call per poll) and commit after every poll
 * (`--commit-every`).
 * - `kafka-eventlog`: `createKafkaLog` (kafkajs underneath) with its default config (plus
 *   `--kafka-config`), the serde over the local schema registry.
 * - `kafka-eventlog-rdkafka`: the same with `client: librdkafka` (producer on librdkafka with
 *   the backend's default `lingerMs` 0, as shipped; consumer on kafkajs as above).
 * - `embedded-eventlog`: `createEmbeddedLog` on a file in the scratch directory (`synchronous` as
 *   configured, background maintenance off), the serde over the embedded schema store in the
 *   same file.
 */
import { join } from 'node:path';
import type { EventLog, OutgoingRecord, TopicPartitionOffset } from '../../../pipeline/log/contract.js';
import { createEmbeddedLog } from '../../../pipeline/log/embedded/index.js';
import { createKafkaLog } from '../../../pipeline/log/kafka/index.js';
import {
  bindTopic,
  createAvroSerde,
  createEmbeddedSchemaStore,
  type TopicSerde,
} from '../../../pipeline/serde/index.js';
import type { ScenarioExecution } from '../../../schemas/generated/types.js';
import { consumeDeadlineMs, consumeMeter, measureSends, within, type Measurement } from '../measure.js';
import { BENCH_SUBJECT_TOPIC } from '../serde.js';
import { nextPositions, type BenchClient, type ClientContext, type ClientFactory } from './client.js';

/** A connected EventLog plus what the bench needs besides the contract. */
interface OpenedLog {
  readonly log: EventLog;
  readonly serde: TopicSerde<ScenarioExecution>;
  createTopics(topics: readonly string[]): Promise<void>;
  countRecords(topic: string): Promise<number>;
}

/** The bench client over any EventLog. */
async function eventLogClient(context: ClientContext, opened: OpenedLog): Promise<BenchClient> {
  const { options, pool } = context;
  const { log, serde } = opened;
  // The embedded log has no broker: the Kafka broker's CPU meanwhile is not this client's.
  const brokerPid = log.backend === 'kafka' ? context.brokerPid : undefined;
  const producer = await log.producer();
  const records = (from: number, count: number): OutgoingRecord[] => {
    const batch = new Array<OutgoingRecord>(count);
    for (let i = 0; i < count; i++) {
      const event = pool.events[(from + i) % pool.events.length]!;
      batch[i] = { key: String(event.scenarioId), value: serde.encode(event) };
    }
    return batch;
  };

  return {
    createTopics: (topics) => opened.createTopics(topics),
    countRecords: (topic) => opened.countRecords(topic),

    produce(topic, total, batch, inFlight) {
      return measureSends(
        total,
        batch,
        inFlight,
        (from, count) => producer.send(topic, records(from, count)),
        brokerPid,
      );
    },

    async consume(topic, total, groupId): Promise<Measurement> {
      const consumer = await log.consumer({
        groupId,
        topics: [topic],
        startFrom: 'earliest',
        maxRecords: options.maxRecords,
      });
      const meter = consumeMeter(total, brokerPid);
      const loop = async (): Promise<Measurement> => {
        let polls = 0;
        const pending = new Map<number, TopicPartitionOffset>();
        while (meter.consumed() < total) {
          const polled = await consumer.poll(1000);
          if (polled.length === 0) continue;
          meter.arrived();
          // One call per poll: the serde awaits only for a writer schema it has not resolved yet.
          await serde.decodeMany(polled.map((record) => record.value!));
          for (const position of nextPositions(polled)) pending.set(position.partition, position);
          if (options.commitEvery > 0 && ++polls % options.commitEvery === 0) {
            await consumer.commit([...pending.values()]);
            pending.clear();
          }
          meter.add(polled.length);
        }
        return meter.done;
      };
      try {
        return await within(consumeDeadlineMs(total), `${log.backend} EventLog consuming ${total} records`, loop());
      } finally {
        await consumer.close();
      }
    },

    async close() {
      await producer.close();
      await log.close();
    },
  };
}

export const kafkaEventLogFactory: ClientFactory = {
  id: 'kafka-eventlog',
  label: 'createKafkaLog + Avro serde (registry)',
  log: 'kafka',

  async open(context: ClientContext): Promise<BenchClient> {
    const admin = await context.kafkaAdmin();
    // The backend validates the merged config: a wrong --kafka-config field fails here, named.
    const log = createKafkaLog({
      ...context.options.kafkaConfig,
      brokers: context.options.brokers,
      clientId: 'makestream-bench',
    });
    return eventLogClient(context, {
      log,
      serde: await context.registrySerde(),
      // Through the run's admin, which deletes them at the end.
      createTopics: (topics) => admin.create(topics),
      countRecords: (topic) => admin.count(topic),
    });
  },
};

export const kafkaEventLogRdkafkaFactory: ClientFactory = {
  id: 'kafka-eventlog-rdkafka',
  label: 'createKafkaLog with client librdkafka (producer) + Avro serde (registry)',
  log: 'kafka',

  async open(context: ClientContext): Promise<BenchClient | { unavailable: string }> {
    const admin = await context.kafkaAdmin();
    let log: EventLog;
    try {
      log = createKafkaLog({
        ...context.options.kafkaConfig,
        client: 'librdkafka',
        brokers: context.options.brokers,
        clientId: 'makestream-bench',
      });
    } catch (error) {
      // The optional native package is missing: the row says so and the run goes on.
      return { unavailable: (error as Error).message };
    }
    return eventLogClient(context, {
      log,
      serde: await context.registrySerde(),
      createTopics: (topics) => admin.create(topics),
      countRecords: (topic) => admin.count(topic),
    });
  },
};

export const embeddedEventLogFactory: ClientFactory = {
  id: 'embedded-eventlog',
  label: 'createEmbeddedLog + Avro serde (embedded store)',
  log: 'embedded',

  async open(context: ClientContext): Promise<BenchClient> {
    const path = join(context.scratch, 'embedded.db');
    const log = createEmbeddedLog({ path, synchronous: context.options.synchronous, maintenanceIntervalMs: 0 });
    const store = createEmbeddedSchemaStore({ database: path });
    const serde = await bindTopic(createAvroSerde({ store }), BENCH_SUBJECT_TOPIC, 'scenario-execution');
    const client = await eventLogClient(context, {
      log,
      serde,
      createTopics: (topics) =>
        log.createTopics(topics.map((name) => ({ name, partitions: context.options.partitions }))),
      async countRecords(topic) {
        const ends = await log.endOffsets(topic);
        return ends.reduce((sum, { offset }) => sum + offset, 0);
      },
    });
    return { ...client, close: async () => (await client.close(), store.close()) };
  },
};
