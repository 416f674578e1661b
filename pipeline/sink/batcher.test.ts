import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { LogRecord } from '../log/contract.js';
import { createPartitionBatcher, dedupToken, type BatchEntry, type PartitionBatch } from './batcher.js';

const entry = (offset: number, valueBytes = 10): BatchEntry => {
  const record: LogRecord = {
    topic: 't',
    partition: 2,
    offset,
    key: null,
    value: Buffer.alloc(valueBytes),
    headers: {},
    timestamp: 0,
  };
  return { record, outcome: { kind: 'skip', reason: 'test' } };
};

const ranges = (batches: readonly PartitionBatch[]): string[] => batches.map((b) => `${b.firstOffset}-${b.lastOffset}`);

describe('partition batcher', () => {
  it('cuts at offsets that are multiples of maxRecords, also when the first offset is not', () => {
    const batcher = createPartitionBatcher({
      topic: 't',
      partition: 2,
      maxRecords: 10,
      maxBytes: 1e9,
      lingerMs: 1e9,
      clock: () => 0,
    });
    const cut = [7, 8, 9, 10, 11, 19, 20, 25].flatMap((offset) => batcher.add(entry(offset)));
    expect(ranges(cut)).toEqual(['7-9', '10-19']);
    expect(cut[1]!.dedupToken).toBe('t/2/10-19');
    expect(ranges([batcher.flush()!])).toEqual(['20-25']);
  });

  it('cuts a window with gaps (compaction, transaction markers) when an offset of the next window arrives', () => {
    const batcher = createPartitionBatcher({
      topic: 't',
      partition: 2,
      maxRecords: 10,
      maxBytes: 1e9,
      lingerMs: 1e9,
      clock: () => 0,
    });
    expect(ranges([0, 3, 5].flatMap((o) => batcher.add(entry(o))))).toEqual([]);
    expect(ranges(batcher.add(entry(12)))).toEqual(['0-5']);
  });

  it('cuts before a record that would pass maxBytes and when maxBytes is reached', () => {
    const batcher = createPartitionBatcher({
      topic: 't',
      partition: 2,
      maxRecords: 100,
      maxBytes: 25,
      lingerMs: 1e9,
      clock: () => 0,
    });
    const cut = [entry(0, 10), entry(1, 10), entry(2, 10), entry(3, 15), entry(4, 40)].flatMap((e) => batcher.add(e));
    // 0+1 = 20 bytes, 2 would make 30: cut. 2+3 = 25: cut on reaching. 4 alone is over: a batch of its own.
    expect(ranges(cut)).toEqual(['0-1', '2-3', '4-4']);
    expect(cut.map((b) => b.reason)).toEqual(['bytes', 'bytes', 'bytes']);
  });

  it('cuts an open batch once it has lingered lingerMs since its first record', () => {
    let now = 1_000;
    const batcher = createPartitionBatcher({
      topic: 't',
      partition: 2,
      maxRecords: 10,
      maxBytes: 1e9,
      lingerMs: 50,
      clock: () => now,
    });
    batcher.add(entry(0));
    now += 30;
    batcher.add(entry(1));
    expect(batcher.due()).toBeUndefined();
    expect(batcher.dueAt).toBe(1_050);
    now += 20;
    expect(batcher.due()).toMatchObject({ firstOffset: 0, lastOffset: 1, reason: 'linger' });
    expect(batcher.size).toBe(0);
    expect(batcher.dueAt).toBeUndefined();
  });

  it('refuses offsets that do not increase', () => {
    const batcher = createPartitionBatcher({
      topic: 't',
      partition: 2,
      maxRecords: 10,
      maxBytes: 1e9,
      lingerMs: 1e9,
      clock: () => 0,
    });
    batcher.add(entry(5));
    expect(() => batcher.add(entry(5))).toThrow(/offset 5 after 5/);
  });

  it('forms the same batches again after a restart from any committed batch boundary (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 60 })), {
          minLength: 1,
          maxLength: 200,
        }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 20, max: 400 }),
        fc.integer({ min: 0, max: 50 }),
        fc.nat(),
        (steps, maxRecords, maxBytes, start, pick) => {
          let offset = start;
          const entries = steps.map(([gap, bytes]) => entry((offset += gap), bytes));
          const run = (from = 0): PartitionBatch[] => {
            const batcher = createPartitionBatcher({
              topic: 't',
              partition: 2,
              maxRecords,
              maxBytes,
              lingerMs: 1e9,
              clock: () => 0,
            });
            const batches = entries.slice(from).flatMap((e) => batcher.add(e));
            const rest = batcher.flush();
            return rest ? [...batches, rest] : batches;
          };
          const batches = run();
          // A crash after batch `k` was committed: the replay starts at the next batch's first record.
          const k = pick % batches.length;
          const from = batches.slice(0, k).reduce((sum, b) => sum + b.entries.length, 0);
          expect(ranges(run(from))).toEqual(ranges(batches.slice(k)));
          expect(batches.flatMap((b) => b.entries)).toEqual(entries);
          for (const batch of batches) {
            expect(Math.floor(batch.firstOffset / maxRecords)).toBe(Math.floor(batch.lastOffset / maxRecords));
            expect(batch.entries.length).toBeLessThanOrEqual(maxRecords);
            if (batch.entries.length > 1) expect(batch.bytes).toBeLessThanOrEqual(maxBytes);
            expect(batch.dedupToken).toBe(dedupToken('t', 2, batch.firstOffset, batch.lastOffset));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
