import { describe, expect, it } from '@jest/globals';
import { bisect, buildEntries, chunkEntries, halves, itemFailures, without, type RequestChunk } from './requests.js';
import type { SinkBatch } from './api.js';

const batchOf = (values: string[]): SinkBatch<string> => ({
  topic: 't',
  dedupToken: 't/0/0',
  items: values.map((value, offset) => ({
    eventId: `id-${offset}`,
    value,
    record: { topic: 't', partition: 0, offset, key: null, value: null, headers: {}, timestamp: 0 },
  })),
});

describe('requests of an HTTP sink', () => {
  it('cuts into requests within count and byte limits, keeping order', () => {
    const entries = Array.from({ length: 10 }, (_, position) => ({ position, text: 'x'.repeat(99) }));
    const byCount = chunkEntries(entries, 1_000_000, 4);
    expect(byCount.map((chunk) => chunk.positions)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    const byBytes = chunkEntries(entries, 350, 100);
    expect(byBytes.map((chunk) => chunk.positions.length)).toEqual([3, 3, 3, 1]);
    expect(chunkEntries([{ position: 0, text: 'y'.repeat(500) }], 100, 10)).toHaveLength(1);
    const [first, second] = halves(byCount[0]!);
    expect([first.positions, second.positions]).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(without(byCount[0]!, 1).positions).toEqual([0, 2, 3]);
    expect(without(byCount[0]!, 1).entries).toHaveLength(3);
  });

  it('fails alone an item whose entry cannot be built, naming the record', () => {
    const failures = itemFailures('sink.test');
    const entries = buildEntries(batchOf(['a', 'bad', 'c']), failures, 'a test entry', (value) => {
      if (value === 'bad') throw new Error('no such field');
      return value.toUpperCase();
    });
    expect(entries).toEqual([
      { position: 0, text: 'A' },
      { position: 2, text: 'C' },
    ]);
    const { failures: failed } = failures.result();
    expect(failed.map((failure) => failure.index)).toEqual([1]);
    expect(failed[0]!.error.message).toBe('Cannot build a test entry of record id-1: no such field');
    expect(failed[0]!.error.retriable).toBe(false);
  });

  it('bisects a rejected request down to the one entry at fault, sending its neighbours', async () => {
    const entries = Array.from({ length: 9 }, (_, position) => ({ position, text: position === 6 ? 'poison' : 'ok' }));
    const delivered: number[] = [];
    const failed: number[] = [];
    let requests = 0;
    const send = async (chunk: RequestChunk): Promise<void> => {
      requests += 1;
      if (!chunk.entries.includes('poison')) {
        delivered.push(...chunk.positions);
        return;
      }
      return bisect(chunk, send, (position) => failed.push(position));
    };
    await send(chunkEntries(entries, 1_000_000, 100)[0]!);
    expect(failed).toEqual([6]);
    expect(delivered.sort()).toEqual([0, 1, 2, 3, 4, 5, 7, 8]);
    expect(requests).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(entries.length)));
  });
});
