import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { LogRecord, TopicPartitionOffset } from '../../pipeline/log/contract.js';
import { temporaryLog, type TemporaryLog } from '../../pipeline/log/embedded/testing/temporary-log.js';
import { wrapLog } from './latency-log.js';
import { createLatencyTracer } from './latency-trace.js';

describe('latency benchmark log wrapper', () => {
  let file: TemporaryLog;
  beforeEach(() => {
    file = temporaryLog();
  });
  afterEach(async () => {
    await file.remove();
  });

  it('keeps topics and groups under the prefix, shows the code the names it wrote, and reports polls and commits', async () => {
    const inner = file.open({ maintenanceIntervalMs: 0, synchronous: 'normal' });
    const polled: { groupId: string; topics: string[] }[] = [];
    const committed: { groupId: string; offsets: readonly TopicPartitionOffset[] }[] = [];
    const log = wrapLog(inner, {
      prefix: 'run1',
      onPolled: (groupId, records) => polled.push({ groupId, topics: records.map((record) => record.topic) }),
      onCommitted: (groupId, offsets) => committed.push({ groupId, offsets }),
    });
    await inner.createTopics([{ name: 'other', partitions: 1 }]);
    await log.createTopics([{ name: 'events', partitions: 1 }]);

    expect((await inner.listTopics()).sort()).toEqual(['other', 'run1.events']);
    expect(await log.listTopics()).toEqual(['events']);
    expect((await log.describeTopic('events')).name).toBe('events');

    const producer = await log.producer();
    const offsets = await producer.send('events', [
      { key: 'k', value: Buffer.from('v'), headers: { 'event-id': 'e1' } },
    ]);
    expect(offsets).toEqual([{ topic: 'events', partition: 0, offset: 0 }]);

    const consumer = await log.consumer({ groupId: 'sink', topics: ['events'], startFrom: 'earliest' });
    let records: LogRecord[] = [];
    for (let attempt = 0; attempt < 20 && records.length === 0; attempt++) records = await consumer.poll(100);
    expect(records.map((record) => [record.topic, record.value?.toString()])).toEqual([['events', 'v']]);
    await consumer.commit([{ topic: 'events', partition: 0, offset: 1 }]);

    expect(polled.filter((poll) => poll.topics.length > 0)).toEqual([{ groupId: 'sink', topics: ['events'] }]);
    expect(committed).toEqual([{ groupId: 'sink', offsets: [{ topic: 'events', partition: 0, offset: 1 }] }]);
    // The commit landed on the prefixed group and topic of the underlying log.
    expect(await inner.lag('run1.sink', 'run1.events')).toEqual([
      { topic: 'run1.events', partition: 0, committed: 1, end: 1, lag: 0 },
    ]);
    await consumer.close();
    await producer.close();
  });
});

describe('latency tracer', () => {
  const record = (eventId: string, offset: number): LogRecord => ({
    topic: 'events',
    partition: 0,
    offset,
    key: null,
    value: null,
    headers: { 'event-id': Buffer.from(eventId) },
    timestamp: 0,
  });

  it('splits each visible event into request → 202, 202 → poll and poll → visible, and commits by offset', () => {
    const tracer = createLatencyTracer();
    const first = tracer.sent('a', 1_000);
    const second = tracer.sent('b', 1_000);
    first.acceptedAt = 1_010;
    second.acceptedAt = 1_020;
    tracer.polled([record('a', 0), record('b', 1), record('unknown', 2)], 1_015);
    tracer.committed([{ topic: 'events', partition: 0, offset: 1 }], 1_400);
    first.visibleAt = 1_300;
    second.visibleAt = 1_500;

    const split = tracer.split();
    expect(split.requestTo202).toMatchObject({ p50: 20, count: 2 });
    // b was read before its 202 reached the client: negative, as the module comment says.
    expect(split.logToSinkPoll).toMatchObject({ p50: 5, count: 2 });
    expect(split.pollToVisible).toMatchObject({ p50: 485, count: 2 });
    // Offset 1 is the next to read: only a (offset 0) is committed.
    expect(split.pollToCommit).toMatchObject({ p50: 385, count: 1 });
    expect(split.acceptedToVisible.p95).toBe(480);
  });
});
