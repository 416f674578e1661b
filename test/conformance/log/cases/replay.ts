/** Replay: offsets by timestamp, end offsets and seek. */
import { expect, it } from '@jest/globals';
import { allPartitions, awaitAssignment, consumeUntil, text, uniqueName } from '../harness.js';
import type { SuiteContext } from '../suite.js';

/** Registers the replay cases. */
export function replayCases(context: SuiteContext): void {
  it(
    'replays from a timestamp: offsetsForTimestamp finds the first record at or after it, seek reads from there',
    async () => {
      const { log } = context.backend();
      const topic = uniqueName('replay');
      await log.createTopics([{ name: topic, partitions: 2 }]);
      const producer = context.closeAfter(await log.producer());
      const base = Date.now() - 3_600_000;
      // One second apart, in several sends; record 25 arrives late (its event time is early).
      const timestamps = Array.from({ length: 40 }, (_, i) => base + (i === 25 ? 5 : i) * 1000);
      const sent: { partition: number; offset: number; timestamp: number; value: string }[] = [];
      for (let from = 0; from < 40; from += 8) {
        const batch = timestamps.slice(from, from + 8).map((timestamp, i) => ({
          key: `key-${from + i}`,
          value: Buffer.from(`record-${from + i}`),
          timestamp,
        }));
        const offsets = await producer.send(topic, batch);
        offsets.forEach((offset, i) =>
          sent.push({ ...offset, timestamp: batch[i]!.timestamp, value: `record-${from + i}` }),
        );
      }

      const target = base + 20_000;
      const expected = [0, 1].map((partition) => {
        const first = sent.find((record) => record.partition === partition && record.timestamp >= target);
        return {
          topic,
          partition,
          offset: first?.offset ?? sent.filter((record) => record.partition === partition).length,
        };
      });
      const found = (await log.offsetsForTimestamp(topic, target)).sort((a, b) => a.partition - b.partition);
      expect(found).toEqual(expected);
      const ends = (await log.endOffsets(topic)).sort((a, b) => a.partition - b.partition);
      expect(
        (await log.offsetsForTimestamp(topic, base + 3_600_000)).sort((a, b) => a.partition - b.partition),
      ).toEqual(ends);
      expect((await log.offsetsForTimestamp(topic, 0)).map((position) => position.offset)).toEqual([0, 0]);

      const consumer = context.closeAfter(await log.consumer({ groupId: uniqueName('replay-group'), topics: [topic] }));
      await awaitAssignment(consumer, allPartitions(topic, 2), context.timing.rebalanceTimeoutMs);
      for (const position of found) consumer.seek(position);
      const wanted = sent.filter((record) => record.offset >= found[record.partition]!.offset);
      const replayed = await consumeUntil(
        consumer,
        'the replayed records',
        30_000,
        (all) => all.length >= wanted.length,
      );
      replayed.push(...(await consumer.poll(300)));

      for (const partition of [0, 1]) {
        const records = replayed.filter((record) => record.partition === partition);
        const want = wanted.filter((record) => record.partition === partition);
        expect(records.map((record) => [record.offset, text(record), record.timestamp])).toEqual(
          want.map((record) => [record.offset, record.value, record.timestamp]),
        );
      }
    },
    2 * 60_000,
  );

  it('seeks back to replay records already read', async () => {
    const { log } = context.backend();
    const topic = uniqueName('seek');
    await log.createTopics([{ name: topic, partitions: 1 }]);
    const producer = context.closeAfter(await log.producer());
    await producer.send(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: Buffer.from(`${i}`) })),
    );
    const consumer = context.closeAfter(await log.consumer({ groupId: uniqueName('seek-group'), topics: [topic] }));
    const first = await consumeUntil(consumer, 'all 10 records', 30_000, (all) => all.length >= 10);
    expect(first.map(text)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

    consumer.seek({ topic, partition: 0, offset: 7 });
    const again = await consumeUntil(consumer, 'the records after offset 7', 30_000, (all) => all.length >= 3);
    expect(again.map((record) => record.offset)).toEqual([7, 8, 9]);
  }, 60_000);
}
