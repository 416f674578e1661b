/**
 * The librdkafka producer against the local broker where the conformance suite does not reach:
 * librdkafka's own queue overflowing (ERR__QUEUE_FULL as backpressure) under concurrent sends.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../../test/support/services.js';
import type { EventLog, TopicPartitionOffset } from '../../contract.js';
import { createKafkaLog } from '../index.js';
import { pollUntil, uniqueName } from '../testing/helpers.js';

describe('librdkafka producer (local broker)', () => {
  let log: EventLog;
  const topic = uniqueName('it-rdkafka-queue');

  beforeAll(async () => {
    log = createKafkaLog({
      client: 'librdkafka',
      brokers: [(await requireService('kafka')).endpoints.bootstrap!],
      // A queue of 100 records: sends of 1000 must wait for delivery reports to get in.
      librdkafka: { 'queue.buffering.max.messages': 100 },
    });
    await log.createTopics([{ name: topic, partitions: 3 }]);
  });

  afterAll(async () => {
    await log.deleteTopics([topic]).catch(() => undefined);
    await log.close();
  });

  it('waits for queue space when librdkafka is full, and keeps every send whole and in order per partition', async () => {
    const producer = await log.producer();
    const sends = Array.from({ length: 5 }, (_, send) =>
      producer.send(
        topic,
        Array.from({ length: 1000 }, (_, i) => ({ key: `k${i % 11}`, value: Buffer.from(`${send}:${i}`) })),
      ),
    );
    const results: TopicPartitionOffset[][] = await Promise.all(sends);
    await producer.close();
    const all = results.flat();
    expect(all).toHaveLength(5000);
    for (const partition of [0, 1, 2]) {
      const offsets = all.filter((o) => o.partition === partition).map((o) => o.offset);
      expect([...offsets].sort((a, b) => a - b)).toEqual(offsets.map((_, i) => i));
    }
    const consumer = await log.consumer({ groupId: uniqueName('it-rdkafka-queue-group'), topics: [topic] });
    const records = await pollUntil(consumer, (got) => got.length >= 5000, { timeoutMs: 60_000 });
    await consumer.close();
    expect(records).toHaveLength(5000);
    // Within a partition, each send's records come in the order given (sends in flight together
    // have no order among themselves).
    for (const partition of [0, 1, 2]) {
      const values = records
        .filter((r) => r.partition === partition)
        .map((r) => r.value!.toString().split(':').map(Number) as [number, number]);
      for (let send = 0; send < 5; send++) {
        const indices = values.filter(([s]) => s === send).map(([, i]) => i);
        expect(indices).toEqual([...indices].sort((a, b) => a - b));
      }
    }
  }, 120_000);
});
