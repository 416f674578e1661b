import { describe, expect, it } from '@jest/globals';
import type { LogRecord } from '../contract.js';
import { createFetchBuffer, type FetchedBatch } from './fetch-buffer.js';

const T = 'orders';

const record = (partition: number, offset: number, value = 'xxxxxxxxxx'): LogRecord => ({
  topic: T,
  partition,
  offset,
  key: null,
  value: Buffer.from(value),
  headers: {},
  timestamp: 0,
});

/** A batch of `count` records from `from`, fetched at `fetchedOffset` (default `from`). */
const batch = (
  partition: number,
  from: number,
  count: number,
  fetchedOffset: number | undefined = from,
): FetchedBatch => ({
  topic: T,
  partition,
  fetchedOffset,
  nextOffset: from + count,
  records: Array.from({ length: count }, (_, i) => record(partition, from + i)),
});

function setup(limits = { maxRecords: 100, maxBytes: 1_000_000 }) {
  const signals = { records: 0, room: 0 };
  const buffer = createFetchBuffer(limits, { onRecords: () => signals.records++, onRoom: () => signals.room++ });
  return { buffer, signals };
}

/** Owns partitions 0 and 1 of T, both ready at `start`. */
function ready(start = 0) {
  const { buffer, signals } = setup();
  const epoch = buffer.assign([
    { topic: T, partition: 0 },
    { topic: T, partition: 1 },
  ]);
  buffer.ready(epoch, [
    { topic: T, partition: 0, offset: start },
    { topic: T, partition: 1, offset: start },
  ]);
  return { buffer, signals };
}

const offsets = (records: LogRecord[]): string[] => records.map((r) => `${r.partition}:${r.offset}`);

describe('fetch buffer (pull adapter state)', () => {
  it('hands out accepted records in offset order per partition, round-robin between partitions', () => {
    const { buffer, signals } = ready();
    expect(buffer.offer(batch(0, 0, 3), false)).toBe('accepted');
    expect(buffer.offer(batch(1, 0, 3), false)).toBe('accepted');
    expect(signals.records).toBe(2);
    const first = buffer.take(4);
    expect(first).toHaveLength(4);
    expect(offsets(first).filter((o) => o.startsWith('0:'))).toEqual(['0:0', '0:1']);
    expect(offsets(first).filter((o) => o.startsWith('1:'))).toEqual(['1:0', '1:1']);
    expect(offsets(buffer.take(10)).sort()).toEqual(['0:2', '1:2']);
    expect(buffer.take(10)).toEqual([]);
  });

  it('gives nothing before the start positions are known, and drops what the fetcher offers meanwhile', () => {
    const { buffer } = setup();
    const epoch = buffer.assign([{ topic: T, partition: 0 }]);
    expect(buffer.initializing()).toEqual([{ topic: T, partition: 0 }]);
    expect(buffer.offer(batch(0, 0, 2), false)).toBe('initializing');
    expect(buffer.take(10)).toEqual([]);
    expect(buffer.ready(epoch, [{ topic: T, partition: 0, offset: 5 }])).toEqual([
      { topic: T, partition: 0, offset: 5 },
    ]);
    expect(buffer.position({ topic: T, partition: 0 })).toBe(5);
  });

  it('ignores start positions read for an assignment that has since been replaced', () => {
    const { buffer } = setup();
    const old = buffer.assign([{ topic: T, partition: 0 }]);
    buffer.revokeAll();
    buffer.assign([{ topic: T, partition: 0 }]);
    expect(buffer.ready(old, [{ topic: T, partition: 0, offset: 7 }])).toEqual([]);
    expect(buffer.initializing()).toHaveLength(1);
  });

  it('forgets revoked partitions at once: poll never returns their records after a rebalance starts', () => {
    const { buffer, signals } = ready();
    buffer.offer(batch(0, 0, 5), false);
    const room = signals.room;
    buffer.revokeAll();
    expect(buffer.take(10)).toEqual([]);
    expect(buffer.assignment()).toEqual([]);
    expect(buffer.size()).toEqual({ records: 0, bytes: 0 });
    expect(signals.room).toBe(room + 1);
    expect(buffer.offer(batch(0, 5, 1), false)).toBe('not-owned');
  });

  it('drops batches fetched before a seek and resumes exactly at the seek position', () => {
    const { buffer } = ready();
    buffer.offer(batch(0, 0, 10), false);
    expect(buffer.seek({ topic: T, partition: 0, offset: 3 })).toBe('applied');
    expect(buffer.take(100)).toEqual([]);
    // Fetched before kafkajs applied the seek: kafkajs marks it stale.
    expect(buffer.offer(batch(0, 10, 5), true)).toBe('stale');
    expect(buffer.offer(batch(0, 3, 2), false)).toBe('accepted');
    expect(offsets(buffer.take(100))).toEqual(['0:3', '0:4']);
  });

  it('refuses a batch that starts before the position and asks for a re-seek', () => {
    const { buffer } = ready(10);
    expect(buffer.offer(batch(0, 4, 3), false)).toBe('behind');
    expect(buffer.take(10)).toEqual([]);
  });

  it('accepts a batch that starts after the position (kafkajs skipped aborted or control-only batches)', () => {
    const { buffer } = ready(0);
    expect(buffer.offer(batch(0, 6, 2), false)).toBe('accepted');
    expect(buffer.position({ topic: T, partition: 0 })).toBe(8);
  });

  it('skips records before the position inside an accepted batch', () => {
    const { buffer } = ready(2);
    expect(buffer.offer(batch(0, 0, 4, 2), false)).toBe('accepted');
    expect(offsets(buffer.take(10))).toEqual(['0:2', '0:3']);
  });

  it('defers a seek made while the partition initializes, and it wins over the committed offset', () => {
    const { buffer } = setup();
    const epoch = buffer.assign([{ topic: T, partition: 0 }]);
    expect(buffer.seek({ topic: T, partition: 0, offset: 42 })).toBe('deferred');
    expect(buffer.ready(epoch, [{ topic: T, partition: 0, offset: 7 }])).toEqual([
      { topic: T, partition: 0, offset: 42 },
    ]);
  });

  it('refuses to seek a partition it does not own, saying what to do', () => {
    const { buffer } = ready();
    expect(() => buffer.seek({ topic: T, partition: 9, offset: 0 })).toThrow(
      'seek: partition orders/9 is not assigned to this consumer; poll until assignment() includes it.',
    );
  });

  it('pause drops buffered records (bounded memory) and resume asks to re-fetch from the first one not handed out', () => {
    const { buffer } = ready();
    buffer.offer(batch(0, 0, 6), false);
    buffer.offer(batch(1, 0, 2), false);
    expect(offsets(buffer.take(2))).toEqual(['0:0', '1:0']);
    const p0 = { topic: T, partition: 0 };
    buffer.pause([p0]);
    expect(buffer.isPaused(p0)).toBe(true);
    expect(buffer.size().records).toBe(1);
    expect(offsets(buffer.take(100))).toEqual(['1:1']);
    expect(buffer.offer(batch(0, 6, 2), false)).toBe('paused');
    expect(buffer.resume([p0])).toEqual([{ topic: T, partition: 0, offset: 1 }]);
    expect(buffer.offer(batch(0, 1, 5), false)).toBe('accepted');
    expect(offsets(buffer.take(100))).toEqual(['0:1', '0:2', '0:3', '0:4', '0:5']);
  });

  it('resume needs no re-seek when nothing was dropped', () => {
    const { buffer } = ready();
    buffer.pause([{ topic: T, partition: 0 }]);
    expect(buffer.resume([{ topic: T, partition: 0 }])).toEqual([]);
  });

  it('is full at either bound, and taking frees room', () => {
    const { buffer, signals } = setup({ maxRecords: 4, maxBytes: 1_000_000 });
    const epoch = buffer.assign([{ topic: T, partition: 0 }]);
    buffer.ready(epoch, [{ topic: T, partition: 0, offset: 0 }]);
    buffer.offer(batch(0, 0, 3), false);
    expect(buffer.full()).toBe(false);
    buffer.offer(batch(0, 3, 3), false);
    expect(buffer.full()).toBe(true);
    const room = signals.room;
    buffer.take(3);
    expect(buffer.full()).toBe(false);
    expect(signals.room).toBe(room + 1);

    const bytes = setup({ maxRecords: 1000, maxBytes: 25 }).buffer;
    bytes.ready(bytes.assign([{ topic: T, partition: 0 }]), [{ topic: T, partition: 0, offset: 0 }]);
    bytes.offer(batch(0, 0, 3), false); // 3 × 10 bytes
    expect(bytes.full()).toBe(true);
  });
});
