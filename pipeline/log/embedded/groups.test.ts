import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { PipelineError } from '../../errors/index.js';
import type { Consumer } from '../contract.js';
import { assignedPartitions } from './assignor.js';
import { manualClock, temporaryLog, type ManualClock, type TemporaryLog } from './testing/temporary-log.js';

const partitionsOf = (consumer: Consumer): number[] => consumer.assignment().map((tp) => tp.partition);

describe('range assignment', () => {
  const counts = new Map([
    ['a', 5],
    ['b', 2],
  ]);
  const members = [
    { memberId: 'm2', topics: ['a'] },
    { memberId: 'm1', topics: ['a', 'b'] },
    { memberId: 'm3', topics: ['a', 'b'] },
  ];

  it('gives members ordered by id contiguous ranges per topic, the first ones one more', () => {
    expect(assignedPartitions('m1', members, counts)).toEqual([
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 1 },
      { topic: 'b', partition: 0 },
    ]);
    expect(assignedPartitions('m2', members, counts)).toEqual([
      { topic: 'a', partition: 2 },
      { topic: 'a', partition: 3 },
    ]);
    expect(assignedPartitions('m3', members, counts)).toEqual([
      { topic: 'a', partition: 4 },
      { topic: 'b', partition: 1 },
    ]);
  });

  it('is the same whatever order the members are listed in, and skips unknown topics', () => {
    const reversed = [...members].reverse();
    for (const { memberId } of members) {
      expect(assignedPartitions(memberId, reversed, counts)).toEqual(assignedPartitions(memberId, members, counts));
    }
    expect(assignedPartitions('x', [{ memberId: 'x', topics: ['gone'] }], counts)).toEqual([]);
  });
});

describe('embedded consumer groups (manual clock)', () => {
  let file: TemporaryLog;
  let clock: ManualClock;
  const topic = 'events';
  const groupId = 'group';

  beforeEach(async () => {
    file = temporaryLog();
    clock = manualClock();
    let member = 0;
    const log = file.open({ clock, memberId: () => `member-${++member}` });
    await log.createTopics([{ name: topic, partitions: 4 }]);
    const producer = await log.producer();
    await producer.send(
      topic,
      Array.from({ length: 20 }, (_, i) => ({ key: null, value: Buffer.from(`${i}`), partition: i % 4 })),
    );
  });

  afterEach(async () => {
    await file.remove();
  });

  const twoMembers = async (sessionTimeoutMs = 10_000): Promise<[Consumer, Consumer]> => {
    let member = 0;
    const log = file.open({ clock, memberId: () => `member-${++member}` });
    const first = await log.consumer({ groupId, topics: [topic], sessionTimeoutMs });
    const second = await log.consumer({ groupId, topics: [topic], sessionTimeoutMs });
    return [first, second];
  };

  it('hands partitions over only after the old owner let go at its next poll', async () => {
    const [first, second] = await twoMembers();
    expect(partitionsOf(first)).toEqual([0, 1, 2, 3]);
    expect(partitionsOf(second)).toEqual([]);
    await second.poll(0);
    expect(partitionsOf(second)).toEqual([]);
    await first.poll(0);
    expect(partitionsOf(first)).toEqual([0, 1]);
    await second.poll(0);
    expect(partitionsOf(second)).toEqual([2, 3]);
  });

  it('expires a member that stops polling for its session timeout and gives its partitions to the others', async () => {
    const [first, second] = await twoMembers();
    await first.poll(0);
    await second.poll(0);
    clock.advance(9_000);
    await first.poll(0);
    expect(partitionsOf(first)).toEqual([0, 1]);

    // Noticed at the survivor's next heartbeat (every quarter of the session timeout).
    clock.advance(2_000);
    await first.poll(0);
    clock.advance(500);
    await first.poll(0);
    expect(partitionsOf(first)).toEqual([0, 1, 2, 3]);
  });

  it('rejects commits of a member that was expired, and of partitions it does not own', async () => {
    const [first, second] = await twoMembers();
    await first.poll(0);
    await second.poll(0);
    await expect(first.commit([{ topic, partition: 2, offset: 1 }])).rejects.toThrow(/not assigned to this member/);

    clock.advance(11_000);
    await first.poll(0);
    const error = await second.commit([{ topic, partition: 2, offset: 1 }]).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as Error).message).toMatch(/removed from the group/);
  });

  it('lets an expired member rejoin; it restarts its partitions from the committed offsets', async () => {
    const [first, second] = await twoMembers();
    await first.poll(0);
    const read = await second.poll(0);
    expect(read.length).toBeGreaterThan(0);
    await second.commit([{ topic, partition: 2, offset: 1 }]);

    clock.advance(11_000);
    await first.poll(0);
    expect(partitionsOf(first)).toEqual([0, 1, 2, 3]);
    await second.poll(0);
    await first.poll(0);
    const again = await second.poll(0);
    expect(partitionsOf(second)).toEqual([2, 3]);
    expect(again.filter((record) => record.partition === 2).map((record) => record.offset)).toEqual([1, 2, 3, 4]);
    expect(again.filter((record) => record.partition === 3).map((record) => record.offset)).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses to seek a partition the consumer does not own, and to poll twice at once', async () => {
    const [first] = await twoMembers();
    expect(() => first.seek({ topic, partition: 9, offset: 0 })).toThrow(/not assigned/);
    first.pause(first.assignment());
    const polling = first.poll(50);
    await expect(first.poll(0)).rejects.toThrow(/already running/);
    await polling;
  });

  it('frees the partitions of every consumer of a handle when the handle closes', async () => {
    const log = file.open({ clock });
    const other = file.open({ clock });
    const leaving = await log.consumer({ groupId, topics: [topic] });
    const staying = await other.consumer({ groupId, topics: [topic] });
    await leaving.poll(0);
    await staying.poll(0);
    expect(staying.assignment().length).toBeLessThan(4);
    await log.close();
    await staying.poll(0);
    expect(partitionsOf(staying)).toEqual([0, 1, 2, 3]);
    await expect(log.listTopics()).rejects.toThrow(/closed/);
  });
});
