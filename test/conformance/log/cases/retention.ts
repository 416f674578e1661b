/**
 * Retention and compaction. Both are background work on Kafka (segments must roll, the cleaner and
 * the retention check run on intervals), so the cases wait for them, bounded by `cleanupTimeoutMs`,
 * and keep appending a filler record while they wait so that the segment holding the test records
 * is no longer the active one.
 */
import { expect, it } from '@jest/globals';
import { readAll, text, uniqueName, waitFor } from '../harness.js';
import type { SuiteContext } from '../suite.js';

/** Registers the retention and compaction cases. */
export function retentionCases(context: SuiteContext): void {
  const { cleanupTimeoutMs } = context.timing;

  it(
    'removes records older than retentionMs and keeps newer ones; offsets are not reused',
    async () => {
      const { log } = context.backend();
      const topic = uniqueName('retention');
      await log.createTopics([{ name: topic, partitions: 1, retentionMs: 600_000 }]);
      const producer = context.closeAfter(await log.producer());
      const old = Date.now() - 3_600_000;
      await producer.send(
        topic,
        Array.from({ length: 5 }, (_, i) => ({ key: `old-${i}`, value: Buffer.from(`old-${i}`), timestamp: old + i })),
      );
      await producer.send(
        topic,
        Array.from({ length: 5 }, (_, i) => ({ key: `new-${i}`, value: Buffer.from(`new-${i}`) })),
      );

      await waitFor(
        'the records older than retentionMs to disappear',
        cleanupTimeoutMs,
        async () => {
          const [start] = await log.offsetsForTimestamp(topic, 0);
          return start!.offset >= 5 ? true : undefined;
        },
        500,
      );

      expect((await log.endOffsets(topic))[0]!.offset).toBe(10);
      const remaining = await readAll(log, topic, 30_000);
      expect(remaining.map((record) => [record.offset, text(record)])).toEqual(
        Array.from({ length: 5 }, (_, i) => [5 + i, `new-${i}`]),
      );
      const next = await producer.send(topic, [{ key: 'later', value: Buffer.from('later') }]);
      expect(next[0]!.offset).toBe(10);
    },
    cleanupTimeoutMs + 60_000,
  );

  it(
    'compacts to the latest record per key; a tombstone removes its key',
    async () => {
      const { log } = context.backend();
      const topic = uniqueName('compaction');
      await log.createTopics([{ name: topic, partitions: 1, compacted: true }]);
      const producer = context.closeAfter(await log.producer());
      const record = (key: string, value: string | null) => ({
        key,
        value: value === null ? null : Buffer.from(value),
      });
      await producer.send(topic, [record('a', 'a1'), record('b', 'b1'), record('a', 'a2'), record('c', 'c1')]);
      await producer.send(topic, [record('b', null), record('a', 'a3'), record('d', 'd1'), record('d', 'd2')]);

      let filler = 0;
      const latest = await waitFor(
        'compaction to leave only the latest record per key',
        cleanupTimeoutMs,
        async () => {
          await producer.send(topic, [record('filler', `filler-${filler++}`)]);
          const records = (await readAll(log, topic, 30_000)).filter((one) => one.key?.toString() !== 'filler');
          const perKey = new Map<string, (string | null)[]>();
          for (const one of records)
            perKey.set(one.key!.toString(), [...(perKey.get(one.key!.toString()) ?? []), text(one)]);
          const compacted = [...perKey.values()].every((values) => values.length === 1);
          return compacted ? perKey : undefined;
        },
        1000,
      );

      expect(latest.get('a')).toEqual(['a3']);
      expect(latest.get('c')).toEqual(['c1']);
      expect(latest.get('d')).toEqual(['d2']);
      // The tombstone itself may stay for a while (Kafka's delete.retention.ms), but no value of b does.
      expect(latest.get('b') ?? [null]).toEqual([null]);
    },
    cleanupTimeoutMs + 60_000,
  );
}
