/** Transactions: atomic visibility, offsets committed with the records, one at a time, fencing. */
import { expect, it } from '@jest/globals';
import type { TopicPartitionOffset } from '../../../../pipeline/log/contract.js';
import { consumeUntil, readAll, text, uniqueName } from '../harness.js';
import type { SuiteContext } from '../suite.js';

const values = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ key: `key-${i}`, value: Buffer.from(`${prefix}-${i}`) }));

/** Registers the transaction cases. */
export function transactionCases(context: SuiteContext): void {
  it(
    'shows read_committed consumers the records of committed transactions only, never aborted ones',
    async () => {
      const { log } = context.backend();
      const topic = uniqueName('tx-visibility');
      await log.createTopics([{ name: topic, partitions: 2 }]);
      const producer = context.closeAfter(await log.transactionalProducer(uniqueName('tx-visibility-id')));

      const aborted = await producer.begin();
      await aborted.send(topic, values('aborted', 6));
      await aborted.abort();
      const committed = await producer.begin();
      await committed.send(topic, values('committed', 6));
      await committed.commit();
      const plain = context.closeAfter(await log.producer());
      await plain.send(topic, [
        { key: 'last', value: Buffer.from('plain'), partition: 0 },
        { key: 'last', value: Buffer.from('plain'), partition: 1 },
      ]);

      const consumer = context.closeAfter(
        await log.consumer({ groupId: uniqueName('tx-visibility-group'), topics: [topic], readCommitted: true }),
      );
      const received = await consumeUntil(
        consumer,
        'the committed and plain records',
        30_000,
        (all) => all.length >= 8,
      );
      received.push(...(await consumer.poll(500)));
      expect(received.map(text).sort()).toEqual(
        [...values('committed', 6).map((one) => one.value.toString()), 'plain', 'plain'].sort(),
      );
    },
    2 * 60_000,
  );

  it(
    'commits consumed offsets atomically with the records of a read-process-write transaction',
    async () => {
      const { log } = context.backend();
      const input = uniqueName('tx-input');
      const output = uniqueName('tx-output');
      const groupId = uniqueName('tx-group');
      await log.createTopics([
        { name: input, partitions: 2 },
        { name: output, partitions: 2 },
      ]);
      const plain = context.closeAfter(await log.producer());
      await plain.send(input, values('in', 10));
      const consumer = context.closeAfter(await log.consumer({ groupId, topics: [input] }));
      const consumed = await consumeUntil(consumer, 'the 10 input records', 30_000, (all) => all.length >= 10);
      const positions = new Map<number, TopicPartitionOffset>();
      for (const record of consumed)
        positions.set(record.partition, { topic: input, partition: record.partition, offset: record.offset + 1 });
      const producer = context.closeAfter(await log.transactionalProducer(uniqueName('tx-rpw-id')));

      // An aborted attempt commits neither records nor offsets.
      const attempt = await producer.begin();
      await attempt.send(
        output,
        consumed.map((record) => ({ key: record.key, value: Buffer.from(`failed:${text(record)}`) })),
      );
      await attempt.sendOffsets(groupId, [...positions.values()]);
      await attempt.abort();
      expect((await log.lag(groupId, input)).map((lag) => lag.committed)).toEqual([undefined, undefined]);

      const transaction = await producer.begin();
      await transaction.send(
        output,
        consumed.map((record) => ({ key: record.key, value: Buffer.from(`out:${text(record)}`) })),
      );
      await transaction.sendOffsets(groupId, [...positions.values()]);
      await transaction.commit();

      // Kafka's group coordinator applies transactional offsets when it writes the commit marker,
      // just after EndTxn returns; kafkajs' OffsetFetch predates `require_stable` (KIP-447), so
      // the committed offsets become visible shortly after commit() rather than at once.
      const committedLag = async () => (await log.lag(groupId, input)).sort((a, b) => a.partition - b.partition);
      let lag = await committedLag();
      for (let tries = 0; tries < 50 && lag.some((one) => one.committed === undefined); tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        lag = await committedLag();
      }
      expect(lag.map((one) => [one.partition, one.committed, one.lag])).toEqual(
        [0, 1].map((partition) => [partition, positions.get(partition)?.offset, 0]),
      );
      // Not readAll: on Kafka, transaction markers take the last offsets of the output partitions.
      const reader = context.closeAfter(
        await log.consumer({ groupId: uniqueName('tx-output-group'), topics: [output] }),
      );
      const written = await consumeUntil(reader, 'the 10 output records', 30_000, (all) => all.length >= 10);
      written.push(...(await reader.poll(500)));
      expect(written.map(text).sort()).toEqual(consumed.map((record) => `out:${text(record)}`).sort());
    },
    2 * 60_000,
  );

  it('runs one transaction at a time per producer', async () => {
    const { log } = context.backend();
    const producer = context.closeAfter(await log.transactionalProducer(uniqueName('tx-single-id')));
    const transaction = await producer.begin();
    await expect(producer.begin()).rejects.toThrow();
    await transaction.abort();
    const next = await producer.begin();
    await next.abort();
  }, 60_000);

  it(
    'fences an older producer when a newer one starts with the same transactionalId',
    async () => {
      const { log } = context.backend();
      const topic = uniqueName('tx-fencing');
      await log.createTopics([{ name: topic, partitions: 1 }]);
      const transactionalId = uniqueName('tx-fencing-id');
      const older = context.closeAfter(await log.transactionalProducer(transactionalId));
      const zombie = await older.begin();
      const newer = context.closeAfter(await log.transactionalProducer(transactionalId));

      const failed = await (async () => {
        await zombie.send(topic, [{ key: 'k', value: Buffer.from('zombie') }]);
        await zombie.commit();
      })().then(
        () => false,
        () => true,
      );
      expect(failed).toBe(true);

      const transaction = await newer.begin();
      await transaction.send(topic, [{ key: 'k', value: Buffer.from('newer') }]);
      await transaction.commit();
      const plain = context.closeAfter(await log.producer());
      await plain.send(topic, [{ key: 'k', value: Buffer.from('plain') }]);
      // The plain record comes last, so readAll can tell it reached the end (markers take offsets on Kafka).
      const received = await readAll(log, topic, 30_000);
      expect(received.map(text)).toEqual(['newer', 'plain']);
    },
    2 * 60_000,
  );
}
