import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../test/support/services.js';
import type { Consumer, EventLog, LogRecord, TopicPartition } from '../contract.js';
import { createKafkaLog } from './index.js';
import { nextPositions, pollUntil, uniqueName } from './testing/helpers.js';

const key = ({ topic, partition }: TopicPartition): string => `${topic}/${partition}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Kafka consumer: pull adapter under rebalances (real broker)', () => {
  let log: EventLog;
  const created: string[] = [];

  const topicWith = async (partitions: number, perPartition: number): Promise<string> => {
    const name = uniqueName('it-kafka-rebalance');
    await log.createTopics([{ name, partitions }]);
    created.push(name);
    const producer = await log.producer();
    const records = [];
    for (let p = 0; p < partitions; p++) {
      for (let i = 0; i < perPartition; i++) records.push({ key: null, value: Buffer.from(`${p}:${i}`), partition: p });
    }
    await producer.send(name, records);
    await producer.close();
    return name;
  };

  /** Polls once and checks that every record belongs to the partitions the member owns right then. */
  const pollOwned = async (consumer: Consumer, violations: string[]): Promise<LogRecord[]> => {
    const records = await consumer.poll(300);
    const owned = new Set(consumer.assignment().map(key));
    for (const record of records) if (!owned.has(key(record))) violations.push(`${key(record)}@${record.offset}`);
    return records;
  };

  beforeAll(async () => {
    const { endpoints } = await requireService('kafka');
    // A small buffer, so that the fetcher really waits for poll() (backpressure) in these tests.
    log = createKafkaLog({ brokers: [endpoints.bootstrap!], consumer: { bufferMaxRecords: 20 } });
  });

  afterAll(async () => {
    if (created.length > 0) await log?.deleteTopics(created).catch(() => undefined);
    await log?.close();
  });

  it('splits partitions when a member joins; revoked partitions are never returned; uncommitted records go to the new owner', async () => {
    const name = await topicWith(4, 50);
    const groupId = uniqueName('it-kafka-group');
    const violations: string[] = [];
    const first = await log.consumer({ groupId, topics: [name], maxRecords: 10 });
    expect(first.assignment()).toHaveLength(4);

    const committed = await pollUntil(first, (all) => all.length >= 10);
    await first.commit(nextPositions(committed));
    const uncommitted = await pollUntil(first, (all) => all.length >= 10);

    const second = await log.consumer({ groupId, topics: [name], maxRecords: 10 });
    const seen: LogRecord[] = [];
    const deadline = Date.now() + 60_000;
    // Both members poll and commit until all 200 records are committed.
    while (Date.now() < deadline) {
      for (const member of [first, second]) {
        const records = await pollOwned(member, violations);
        seen.push(...records);
        if (records.length > 0) await member.commit(nextPositions(records));
      }
      const lag = await log.lag(groupId, name);
      if (lag.every((l) => l.lag === 0) && first.assignment().length + second.assignment().length === 4) break;
    }
    const assignments = [first.assignment().map(key), second.assignment().map(key)];
    await Promise.all([first.close(), second.close()]);

    expect(violations).toEqual([]);
    expect(assignments[0]!.length).toBeGreaterThan(0);
    expect(assignments[1]!.length).toBeGreaterThan(0);
    expect(new Set([...assignments[0]!, ...assignments[1]!]).size).toBe(4);
    // No record lost: everything after the first commit was seen after the rebalance or before it.
    const all = new Set([...committed, ...uncommitted, ...seen].map((r) => r.value!.toString()));
    expect(all.size).toBe(200);
    // At-least-once: uncommitted records of partitions that moved were delivered again.
    const moved = new Set(assignments[1]);
    const redelivered = uncommitted.filter((r) => moved.has(key(r)));
    const seenAgain = new Set(seen.map((r) => `${key(r)}@${r.offset}`));
    for (const record of redelivered) expect(seenAgain.has(`${key(record)}@${record.offset}`)).toBe(true);
  });

  it('a member that stops polling leaves after sessionTimeoutMs; the other takes over from the last commit', async () => {
    const name = await topicWith(2, 20);
    const groupId = uniqueName('it-kafka-group');
    // Both members are driven from this one test, one after the other: a join of one (up to a
    // heartbeat interval, 2 s here) must not look like the other one stopped polling.
    const idle = await log.consumer({ groupId, topics: [name], sessionTimeoutMs: 5000, maxRecords: 5 });
    const active = await log.consumer({ groupId, topics: [name], sessionTimeoutMs: 5000, maxRecords: 5 });
    const violations: string[] = [];
    const polledByIdle: LogRecord[] = [];
    const taken: LogRecord[] = [];
    /** The active member polls and commits like an application: a refused commit means "poll again". */
    const activeRound = async (): Promise<void> => {
      const records = await pollOwned(active, violations);
      taken.push(...records);
      if (records.length > 0)
        await active.commit(nextPositions(records)).catch((error: Error) => expect(error.message).toMatch(/rejected/));
    };
    const joined = Date.now() + 20_000;
    while ((polledByIdle.length === 0 || idle.assignment().length !== 1) && Date.now() < joined) {
      polledByIdle.push(...(await pollOwned(idle, violations)));
      await activeRound();
    }
    expect(polledByIdle.length).toBeGreaterThan(0);

    // From now on only the active member polls: after 5 s the idle one leaves and its partition moves.
    const deadline = Date.now() + 30_000;
    while (
      Date.now() < deadline &&
      (new Set(taken.map((r) => r.value!.toString())).size < 40 || active.assignment().length < 2)
    ) {
      await activeRound();
    }
    expect(active.assignment()).toHaveLength(2);
    const values = new Set(taken.map((r) => r.value!.toString()));
    expect(values.size).toBe(40);
    for (const record of polledByIdle) expect(values.has(record.value!.toString())).toBe(true);
    expect(violations).toEqual([]);

    // The idle member's positions are no longer its own: its commit is refused.
    await expect(idle.commit(nextPositions(polledByIdle))).rejects.toThrow(/Commit for consumer group .* rejected/);
    // Polling again rejoins (and the group is rebalanced once more).
    const rejoin = Date.now() + 30_000;
    while (Date.now() < rejoin && (idle.assignment().length !== 1 || active.assignment().length !== 1)) {
      await pollOwned(idle, violations);
      await activeRound();
    }
    expect(idle.assignment()).toHaveLength(1);
    await Promise.all([idle.close(), active.close()]);
  });

  it('stays in the group while poll() is slow and the buffer is full (the fetcher heartbeats while it waits)', async () => {
    const name = await topicWith(1, 200);
    const groupId = uniqueName('it-kafka-group');
    const slow = await log.consumer({ groupId, topics: [name], maxRecords: 5, sessionTimeoutMs: 9000 });
    const offsets: number[] = [];
    // 8 s of slow polling: longer than the broker's minimum session (6 s) and buffer far smaller than the topic.
    for (let i = 0; i < 8; i++) {
      offsets.push(...(await slow.poll(200)).map((r) => r.offset));
      await sleep(1000);
    }
    expect(slow.assignment()).toHaveLength(1);
    expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i));
    expect(offsets.length).toBeGreaterThanOrEqual(20);
    await slow.close();
  });

  it('closing hands the partitions to the remaining member at once', async () => {
    const name = await topicWith(2, 5);
    const groupId = uniqueName('it-kafka-group');
    const leaving = await log.consumer({ groupId, topics: [name] });
    const staying = await log.consumer({ groupId, topics: [name] });
    await pollUntil(staying, () => staying.assignment().length === 1, { timeoutMs: 20_000 });
    const started = Date.now();
    await leaving.close();
    await pollUntil(staying, () => staying.assignment().length === 2, { timeoutMs: 20_000 });
    expect(staying.assignment()).toHaveLength(2);
    // Well under the 6 s broker session: a leave, not an expiry.
    expect(Date.now() - started).toBeLessThan(6000);
    await staying.close();
  });
});
