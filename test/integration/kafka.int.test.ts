import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { requireService } from '../support/services.js';

describe('kafka (Apache Kafka 4.x KRaft, real broker)', () => {
  const run = `${Date.now()}-${process.pid}`;
  const topic = `it-kafka-${run}`;
  const records = [
    { key: 'a', value: 'first' },
    { key: 'b', value: 'second' },
    { key: 'a', value: 'third' },
  ];
  let admin: Admin;
  let producer: Producer;
  /** Gives up fast: used where the broker is expected to refuse. */
  let impatient: Producer;
  let consumer: Consumer;

  beforeAll(async () => {
    const { endpoints } = await requireService('kafka');
    const kafka = new Kafka({ clientId: 'it-kafka', brokers: [endpoints.bootstrap ?? ''], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true });
    impatient = kafka.producer({ retry: { retries: 1, initialRetryTime: 100 } });
    consumer = kafka.consumer({ groupId: `${topic}-group` });
    await Promise.all([admin.connect(), producer.connect(), impatient.connect(), consumer.connect()]);
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await impatient?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('creates a topic through the admin API (auto-creation is off)', async () => {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(metadata?.partitions).toHaveLength(2);
  });

  it('does not create a topic when a producer writes to an unknown one', async () => {
    const missing = `${topic}-missing`;
    await expect(impatient.send({ topic: missing, messages: [{ value: 'x' }], acks: -1 })).rejects.toThrow(
      /does not host this topic-partition/,
    );
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('produces records and consumes them back in key order per partition', async () => {
    await producer.send({ topic, messages: records, acks: -1 });
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(records.length);

    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} record(s) within 60 s`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
          if (received.length === records.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    expect([...received].sort((x, y) => x.value.localeCompare(y.value))).toEqual(
      [...records].sort((x, y) => x.value.localeCompare(y.value)),
    );
    // Same key, same partition, in production order.
    expect(received.filter((r) => r.key === 'a').map((r) => r.value)).toEqual(['first', 'third']);
  });
});
