/**
 * kafkajs 2.2 used directly, without our backend: the pre-encoded records with their murmur2
 * partitions, a producer with acks=all (not idempotent, see below), and a consumer with
 * the backend's fetch settings that counts `eachBatch` deliveries (no decoding, no commits). The
 * gap between these rows and `kafka-eventlog` is what the backend and the serde cost.
 */
import { Kafka, logLevel, type Consumer, type Message, type Producer } from 'kafkajs';
import { slice } from '../events.js';
import { consumeDeadlineMs, consumeMeter, measureSends, within, type Measurement } from '../measure.js';
import type { BenchClient, ClientContext, ClientFactory } from './client.js';

/** The backend's defaults (pipeline/log/kafka/config.ts), so that only the adapter differs. */
const FETCH = { maxWaitTimeInMs: 500, maxBytes: 4_194_304, maxBytesPerPartition: 1_048_576 } as const;

export const kafkajsFactory: ClientFactory = {
  id: 'kafkajs',
  label: 'kafkajs 2.2 direct, pre-encoded bytes',
  log: 'kafka',

  async open(context: ClientContext): Promise<BenchClient> {
    const { options, pool } = context;
    const admin = await context.kafkaAdmin();
    const kafka = new Kafka({ brokers: options.brokers, clientId: 'makestream-bench', logLevel: logLevel.ERROR });
    // Not idempotent: concurrent sends on an idempotent kafkajs producer fail with
    // OUT_OF_ORDER_SEQUENCE_NUMBER (https://github.com/tulios/kafkajs/issues/598, also seen here);
    // the backend avoids it by keeping one request in flight. acks=all either way.
    const producer: Producer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false });
    await producer.connect();
    const messages = (from: number, count: number): Message[] =>
      slice(pool.encoded, from, count).map(({ key, value, partition }) => ({ key, value, partition }));

    return {
      createTopics: (topics) => admin.create(topics),
      countRecords: (topic) => admin.count(topic),

      produce(topic, total, batch, inFlight) {
        return measureSends(
          total,
          batch,
          inFlight,
          (from, count) => producer.send({ topic, acks: -1, messages: messages(from, count) }),
          context.brokerPid,
        );
      },

      async consume(topic, total, groupId): Promise<Measurement> {
        const consumer: Consumer = kafka.consumer({ groupId, ...FETCH, allowAutoTopicCreation: false });
        const meter = consumeMeter(total, context.brokerPid);
        await consumer.connect();
        try {
          await consumer.subscribe({ topics: [topic], fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              meter.arrived();
              meter.add(batch.messages.length);
            },
          });
          return await within(consumeDeadlineMs(total), `kafkajs consuming ${total} records`, meter.done);
        } finally {
          await consumer.disconnect();
        }
      },

      async close() {
        await producer.disconnect();
      },
    };
  },
};
