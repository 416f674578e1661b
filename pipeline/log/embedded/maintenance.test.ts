import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { EventLog, LogRecord } from '../contract.js';
import { manualClock, temporaryLog, type ManualClock, type TemporaryLog } from './testing/temporary-log.js';
import type { EmbeddedEventLog } from './index.js';

async function readAll(log: EventLog, topic: string): Promise<LogRecord[]> {
  const consumer = await log.consumer({ groupId: `read-${Math.random()}`, topics: [topic], maxRecords: 10_000 });
  try {
    return await consumer.poll(0);
  } finally {
    await consumer.close();
  }
}

const value = (text: string | null) => (text === null ? null : Buffer.from(text));

describe('embedded log maintenance (manual clock)', () => {
  let file: TemporaryLog;
  let clock: ManualClock;
  let log: EmbeddedEventLog;

  beforeEach(() => {
    file = temporaryLog();
    clock = manualClock();
    log = file.open({ clock, tombstoneRetentionMs: 60_000 });
  });

  afterEach(async () => {
    await file.remove();
  });

  it('expires records by their timestamps, from the start of each partition, in chunks', async () => {
    await log.createTopics([{ name: 'expiring', partitions: 1, retentionMs: 1_000 }]);
    const producer = await log.producer();
    const now = clock();
    await producer.send(
      'expiring',
      Array.from({ length: 25_000 }, (_, i) => ({ key: null, value: value(`old-${i}`), timestamp: now - 5_000 })),
    );
    await producer.send('expiring', [{ key: null, value: value('fresh') }]);
    // Late, with an old timestamp: retention stops at the first fresh record (like Kafka's segments).
    await producer.send('expiring', [{ key: null, value: value('late'), timestamp: now - 5_000 }]);

    expect(await log.maintain()).toEqual({ expired: 25_000, compacted: 0 });
    expect((await log.offsetsForTimestamp('expiring', 0))[0]!.offset).toBe(25_000);
    expect((await readAll(log, 'expiring')).map((record) => record.value?.toString())).toEqual(['fresh', 'late']);

    clock.advance(1_001);
    expect(await log.maintain()).toEqual({ expired: 2, compacted: 0 });
    expect(await log.endOffsets('expiring')).toEqual([{ topic: 'expiring', partition: 0, offset: 25_002 }]);
    expect(await readAll(log, 'expiring')).toEqual([]);
    const [next] = await producer.send('expiring', [{ key: null, value: value('next') }]);
    expect(next!.offset).toBe(25_002);
    expect(await log.lag('nobody', 'expiring')).toEqual([
      { topic: 'expiring', partition: 0, committed: undefined, end: 25_003, lag: 1 },
    ]);
  });

  it('keeps records of topics without retention settings for 7 days, and of compacted ones forever', async () => {
    await log.createTopics([
      { name: 'default', partitions: 1 },
      { name: 'forever', partitions: 1, retentionMs: -1 },
      { name: 'catalog', partitions: 1, compacted: true },
    ]);
    const producer = await log.producer();
    for (const topic of ['default', 'forever', 'catalog']) {
      await producer.send(topic, [{ key: 'k', value: value('v'), timestamp: clock() - 6 * 86_400_000 }]);
    }
    expect((await log.maintain()).expired).toBe(0);
    clock.advance(2 * 86_400_000);
    expect((await log.maintain()).expired).toBe(1);
    expect(await readAll(log, 'default')).toHaveLength(0);
    expect(await readAll(log, 'forever')).toHaveLength(1);
    expect(await readAll(log, 'catalog')).toHaveLength(1);
  });

  it('compacts to the latest value per key and drops tombstones after tombstoneRetentionMs', async () => {
    await log.createTopics([{ name: 'catalog', partitions: 1, compacted: true }]);
    const producer = await log.producer();
    await producer.send('catalog', [
      { key: 'a', value: value('a1') },
      { key: 'b', value: value('b1') },
      { key: 'a', value: value('a2') },
      { key: 'b', value: null },
    ]);
    expect(await log.maintain()).toEqual({ expired: 0, compacted: 2 });
    expect(
      (await readAll(log, 'catalog')).map((record) => [
        record.offset,
        record.key?.toString(),
        record.value?.toString(),
      ]),
    ).toEqual([
      [2, 'a', 'a2'],
      [3, 'b', undefined],
    ]);
    expect(await log.maintain()).toEqual({ expired: 0, compacted: 0 });

    clock.advance(60_001);
    expect(await log.maintain()).toEqual({ expired: 0, compacted: 1 });
    expect((await readAll(log, 'catalog')).map((record) => record.key?.toString())).toEqual(['a']);
  });

  it('finds offsets by timestamp across the gaps compaction leaves', async () => {
    await log.createTopics([{ name: 'catalog', partitions: 1, compacted: true }]);
    const producer = await log.producer();
    await producer.send('catalog', [
      { key: 'a', value: value('1'), timestamp: 1_000 },
      { key: 'b', value: value('2'), timestamp: 2_000 },
      { key: 'a', value: value('3'), timestamp: 3_000 },
    ]);
    await log.maintain();
    const at = async (timestamp: number) => (await log.offsetsForTimestamp('catalog', timestamp))[0]!.offset;
    expect([await at(0), await at(1_000), await at(2_001), await at(3_001)]).toEqual([1, 1, 2, 3]);
  });

  it('runs in the background at maintenanceIntervalMs', async () => {
    const background = file.open({ maintenanceIntervalMs: 20 });
    await background.createTopics([{ name: 'short', partitions: 1, retentionMs: 0 }]);
    const producer = await background.producer();
    await producer.send('short', [{ key: null, value: value('x'), timestamp: Date.now() - 1_000 }]);
    const deadline = Date.now() + 5_000;
    while ((await background.offsetsForTimestamp('short', 0))[0]!.offset === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await background.offsetsForTimestamp('short', 0))[0]!.offset).toBe(1);
  });
});
