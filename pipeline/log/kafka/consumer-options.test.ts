import { describe, expect, it } from '@jest/globals';
import type { Admin } from 'kafkajs';
import { consumerSettings, readStartPositions } from './consumer-options.js';

/** A fake admin answering committed offsets and watermarks, counting its calls. */
function fakeAdmin(committed: Record<string, string>, watermarks: Record<string, { low: string; high: string }>) {
  const calls = { fetchOffsets: 0, fetchTopicOffsets: [] as string[] };
  const admin = {
    async fetchOffsets({ topics }: { groupId: string; topics: string[] }) {
      calls.fetchOffsets++;
      return topics.map((topic) => ({
        topic,
        partitions: Object.entries(committed)
          .filter(([key]) => key.startsWith(`${topic}/`))
          .map(([key, offset]) => ({ partition: Number(key.split('/')[1]), offset, metadata: null })),
      }));
    },
    async fetchTopicOffsets(topic: string) {
      calls.fetchTopicOffsets.push(topic);
      return Object.entries(watermarks)
        .filter(([key]) => key.startsWith(`${topic}/`))
        .map(([key, { low, high }]) => ({ partition: Number(key.split('/')[1]), offset: high, low, high }));
    },
  };
  return { admin: admin as unknown as Admin, calls };
}

describe('consumer options', () => {
  it("applies the contract's defaults", () => {
    expect(consumerSettings({ groupId: 'g', topics: ['t', 't'] })).toEqual({
      groupId: 'g',
      topics: ['t'],
      startFrom: 'earliest',
      readCommitted: true,
      maxRecords: 500,
      sessionTimeoutMs: 10_000,
      sharedBuffers: false,
    });
  });

  it('names the option that is wrong', () => {
    expect(() => consumerSettings({ groupId: '', topics: ['t'] })).toThrow(
      'consumer options: groupId must be a non-empty string.',
    );
    expect(() => consumerSettings({ groupId: 'g', topics: [] })).toThrow(
      'consumer options: topics must list at least one topic name.',
    );
    expect(() => consumerSettings({ groupId: 'g', topics: ['t'], maxRecords: 0 })).toThrow(
      'maxRecords must be a whole number ≥ 1.',
    );
  });
});

describe('start positions of assigned partitions', () => {
  const pending = [0, 1, 2].map((partition) => ({ topic: 't', partition }));
  const watermarks = {
    't/0': { low: '0', high: '10' },
    't/1': { low: '3', high: '7' },
    't/2': { low: '5', high: '5' },
  };

  it('starts at the committed offset, else at the earliest retained record', async () => {
    const { admin, calls } = fakeAdmin({ 't/0': '4', 't/1': '-1', 't/2': '-1' }, watermarks);
    const positions = await readStartPositions(admin, 'g', 'earliest', pending);
    expect(positions.sort((a, b) => a.partition - b.partition)).toEqual([
      { topic: 't', partition: 0, offset: 4 },
      { topic: 't', partition: 1, offset: 3 },
      { topic: 't', partition: 2, offset: 5 },
    ]);
    expect(calls).toEqual({ fetchOffsets: 1, fetchTopicOffsets: ['t'] });
  });

  it('starts uncommitted partitions at the end with startFrom latest, and asks for watermarks only when needed', async () => {
    const latest = fakeAdmin({ 't/0': '-1', 't/1': '2', 't/2': '-1' }, watermarks);
    const positions = await readStartPositions(latest.admin, 'g', 'latest', pending);
    expect(positions.sort((a, b) => a.partition - b.partition).map((p) => p.offset)).toEqual([10, 2, 5]);
    const allCommitted = fakeAdmin({ 't/0': '1', 't/1': '2', 't/2': '3' }, watermarks);
    await readStartPositions(allCommitted.admin, 'g', 'latest', pending);
    expect(allCommitted.calls.fetchTopicOffsets).toEqual([]);
  });
});
