/**
 * The embedded log across real processes: writers killed with SIGKILL mid-append, two writer
 * processes on one file, and group members in different processes.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { EventLog, LogRecord } from '../contract.js';
import { startChild, waitForLines, type Child } from './testing/child.js';
import { temporaryLog, type TemporaryLog } from './testing/temporary-log.js';

interface AckedBatch {
  readonly writer: string;
  readonly batch: number;
  readonly offsets: [partition: number, offset: number][];
}

interface StoredValue {
  readonly writer: string;
  readonly batch: number;
  readonly index: number;
  readonly size: number;
}

async function readEverything(log: EventLog, topic: string): Promise<LogRecord[]> {
  const consumer = await log.consumer({ groupId: `verify-${Math.random()}`, topics: [topic], maxRecords: 5_000 });
  const records: LogRecord[] = [];
  try {
    for (;;) {
      const batch = await consumer.poll(0);
      if (batch.length === 0) return records;
      records.push(...batch);
    }
  } finally {
    await consumer.close();
  }
}

/** Every acknowledged batch is there, every batch is whole or absent, offsets have no holes. */
function expectIntactAfterCrash(records: readonly LogRecord[], acked: readonly AckedBatch[], partitions: number): void {
  const stored = new Map(
    records.map((record) => [
      `${record.partition}/${record.offset}`,
      JSON.parse(record.value!.toString()) as StoredValue,
    ]),
  );
  for (const batch of acked) {
    batch.offsets.forEach(([partition, offset], index) => {
      expect(stored.get(`${partition}/${offset}`)).toMatchObject({ writer: batch.writer, batch: batch.batch, index });
    });
  }
  const batches = new Map<string, number>();
  for (const value of stored.values()) {
    const id = `${value.writer}#${value.batch}`;
    batches.set(id, (batches.get(id) ?? 0) + 1);
  }
  for (const [id, count] of batches) expect([id, count]).toEqual([id, 20]);
  for (let partition = 0; partition < partitions; partition++) {
    const offsets = records.filter((record) => record.partition === partition).map((record) => record.offset);
    expect(offsets).toEqual(offsets.map((_, i) => i));
  }
}

describe('embedded log across processes', () => {
  let file: TemporaryLog;
  const children: Child[] = [];

  beforeEach(() => {
    file = temporaryLog();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) await child.kill();
    await file.remove();
  });

  const start = (script: string, input: unknown): Child => {
    const child = startChild(script, input);
    children.push(child);
    return child;
  };

  for (const synchronous of ['full', 'normal'] as const) {
    it(`keeps every acknowledged send and no partial one when a writer is killed with SIGKILL (synchronous=${synchronous})`, async () => {
      const setup = file.open();
      await setup.createTopics([{ name: 'appended', partitions: 3 }]);
      await setup.close();

      const writer = start('append-loop.ts', {
        path: file.path,
        topic: 'appended',
        writer: 'w1',
        batch: 20,
        synchronous,
      });
      await waitForLines(writer, '150 acknowledged batches', 60_000, (lines) => lines.length >= 150);
      await writer.kill();
      const acked = writer.lines as AckedBatch[];

      const log = file.open();
      expect(await log.checkIntegrity()).toEqual([]);
      const records = await readEverything(log, 'appended');
      expectIntactAfterCrash(records, acked, 3);
      expect(records.length).toBeGreaterThanOrEqual(acked.length * 20);
      expect(records.length).toBeLessThanOrEqual((acked.length + 1) * 20);
    }, 90_000);
  }

  it('lets two writer processes append to one topic at once without losing or mixing records', async () => {
    const setup = file.open();
    await setup.createTopics([{ name: 'shared', partitions: 2 }]);
    await setup.close();

    const writers = ['w1', 'w2'].map((writer) =>
      start('append-loop.ts', { path: file.path, topic: 'shared', writer, batch: 20 }),
    );
    await Promise.all(
      writers.map((writer) => waitForLines(writer, '60 batches', 60_000, (lines) => lines.length >= 60)),
    );
    await Promise.all(writers.map((writer) => writer.kill()));

    const log = file.open();
    expect(await log.checkIntegrity()).toEqual([]);
    const records = await readEverything(log, 'shared');
    expectIntactAfterCrash(
      records,
      writers.flatMap((writer) => writer.lines as AckedBatch[]),
      2,
    );
    const fromEach = new Set(records.map((record) => (JSON.parse(record.value!.toString()) as StoredValue).writer));
    expect(fromEach).toEqual(new Set(['w1', 'w2']));
  }, 90_000);

  it('splits partitions between group members in different processes; the survivor takes over after a SIGKILL', async () => {
    const log = file.open();
    await log.createTopics([{ name: 'work', partitions: 4 }]);
    const member = start('group-member.ts', {
      path: file.path,
      topic: 'work',
      groupId: 'workers',
      sessionTimeoutMs: 1000,
    });
    type MemberLine = { assignment: number[]; received: [number, number][] };
    const latest = (): MemberLine | undefined => member.lines.at(-1) as MemberLine | undefined;
    await waitForLines(member, 'the child to own all partitions', 30_000, () => latest()?.assignment.length === 4);

    const consumer = await log.consumer({ groupId: 'workers', topics: ['work'], sessionTimeoutMs: 1000 });
    const deadline = Date.now() + 30_000;
    const mine = (): number[] => consumer.assignment().map((tp) => tp.partition);
    while (!(mine().length === 2 && latest()?.assignment.length === 2) && Date.now() < deadline)
      await consumer.poll(50);
    expect(mine().length).toBe(2);
    expect([...mine(), ...latest()!.assignment].sort()).toEqual([0, 1, 2, 3]);

    const producer = await log.producer();
    await producer.send(
      'work',
      Array.from({ length: 40 }, (_, i) => ({ key: null, value: Buffer.from(`${i}`), partition: i % 4 })),
    );
    const received: LogRecord[] = [];
    const childReceived = (): [number, number][] => member.lines.flatMap((line) => (line as MemberLine).received);
    while (received.length + childReceived().length < 40 && Date.now() < deadline + 30_000)
      received.push(...(await consumer.poll(50)));
    expect(received.every((record) => mine().includes(record.partition))).toBe(true);
    expect(childReceived().every(([partition]) => !mine().includes(partition))).toBe(true);
    expect(received.length + childReceived().length).toBe(40);

    await member.kill();
    const killedAt = Date.now();
    while (mine().length < 4 && Date.now() < killedAt + 15_000) await consumer.poll(50);
    expect(mine()).toEqual([0, 1, 2, 3]);
    // Found dead by its missing heartbeat: a session timeout after its last poll, not at once.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(500);
  }, 120_000);
});
