/** Consumer groups: sharing partitions, hand-over on leave and death, at-least-once, pause, lag. */
import { expect, it } from '@jest/globals';
import type { Consumer, EventLog, LogRecord, TopicPartitionOffset } from '../../../../pipeline/log/contract.js';
import { crashReport, runCrashPlan, type CrashEvent, type CrashPlan, type CrashReport } from '../crash-plan.js';
import {
  allPartitions,
  awaitAssignment,
  consumeUntil,
  keys,
  text,
  uniqueName,
  waitFor,
  type LogUnderTest,
} from '../harness.js';
import type { SuiteContext } from '../suite.js';

const positionsAfter = (records: readonly LogRecord[]): TopicPartitionOffset[] => {
  const positions = new Map<string, TopicPartitionOffset>();
  for (const { topic, partition, offset } of records)
    positions.set(`${topic}/${partition}`, { topic, partition, offset: offset + 1 });
  return [...positions.values()];
};

const values = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => ({ key: `key-${i}`, value: Buffer.from(`${prefix}-${i}`) }));

/** A second client of the backend's log, closed after the test; the same one when it cannot reopen. */
async function secondClient(context: SuiteContext, backend: LogUnderTest): Promise<EventLog> {
  return backend.reopen ? context.closeAfter(await backend.reopen()) : backend.log;
}

/** Crashes `consumer` as the backend says, or just stops polling it. */
async function crash(backend: LogUnderTest, consumer: Consumer): Promise<void> {
  if (backend.crash) await backend.crash(consumer);
}

/** Registers the group cases. */
export function groupCases(context: SuiteContext): void {
  const { sessionTimeoutMs, rebalanceTimeoutMs } = context.timing;

  it(
    'splits partitions between two members of a group; the survivor takes over when the other dies',
    async () => {
      const backend = context.backend();
      const topic = uniqueName('split');
      const groupId = uniqueName('split-group');
      await backend.log.createTopics([{ name: topic, partitions: 4 }]);
      const other = await secondClient(context, backend);
      const first = context.closeAfter(await backend.log.consumer({ groupId, topics: [topic], sessionTimeoutMs }));
      const second = context.closeAfter(await other.consumer({ groupId, topics: [topic], sessionTimeoutMs }));

      await waitFor(
        'two members sharing all 4 partitions',
        rebalanceTimeoutMs,
        async () => {
          await Promise.all([first.poll(200), second.poll(200)]);
          const a = keys(first.assignment());
          const b = keys(second.assignment());
          const disjoint = a.every((partition) => !b.includes(partition));
          return a.length > 0 && b.length > 0 && disjoint && a.length + b.length === 4 ? true : undefined;
        },
        0,
      );
      const ownedByFirst = keys(first.assignment());

      const producer = context.closeAfter(await backend.log.producer());
      await producer.send(topic, values(40, 'before'));
      const receivedByFirst: LogRecord[] = [];
      const receivedBySecond: LogRecord[] = [];
      await waitFor(
        () => `40 records between both members (got ${receivedByFirst.length + receivedBySecond.length})`,
        30_000,
        async () => {
          const [a, b] = await Promise.all([first.poll(200), second.poll(200)]);
          receivedByFirst.push(...a);
          receivedBySecond.push(...b);
          return receivedByFirst.length + receivedBySecond.length >= 40 ? true : undefined;
        },
        0,
      );
      expect(receivedByFirst.length + receivedBySecond.length).toBe(40);
      for (const record of receivedByFirst) expect(ownedByFirst).toContain(`${topic}/${record.partition}`);
      for (const record of receivedBySecond) expect(ownedByFirst).not.toContain(`${topic}/${record.partition}`);
      await first.commit(positionsAfter(receivedByFirst));
      // The second member consumed its records but dies before committing them.
      await crash(backend, second);

      await producer.send(topic, values(20, 'after'));
      const startsWith = (records: readonly LogRecord[], prefix: string): number =>
        records.filter((record) => text(record)?.startsWith(prefix)).length;
      const taken = await consumeUntil(
        first,
        'the survivor to own all partitions and read everything left',
        rebalanceTimeoutMs,
        (received) =>
          keys(first.assignment()).length === 4 &&
          startsWith(received, 'after') >= 20 &&
          startsWith(received, 'before') >= receivedBySecond.length,
      );
      expect(keys(first.assignment())).toEqual(keys(allPartitions(topic, 4)));
      const redelivered = taken
        .filter((record) => text(record)?.startsWith('before'))
        .map(text)
        .sort();
      expect(redelivered).toEqual(receivedBySecond.map(text).sort());
    },
    4 * 60_000,
  );

  it(
    'hands the partitions of a member that closes to the others at once',
    async () => {
      const backend = context.backend();
      const topic = uniqueName('leave');
      const groupId = uniqueName('leave-group');
      await backend.log.createTopics([{ name: topic, partitions: 2 }]);
      const other = await secondClient(context, backend);
      const first = context.closeAfter(await backend.log.consumer({ groupId, topics: [topic], sessionTimeoutMs }));
      const second = await other.consumer({ groupId, topics: [topic], sessionTimeoutMs });
      await waitFor(
        'both members to own one partition',
        rebalanceTimeoutMs,
        async () => {
          await Promise.all([first.poll(200), second.poll(200)]);
          return first.assignment().length === 1 && second.assignment().length === 1 ? true : undefined;
        },
        0,
      );

      await second.close();
      const started = Date.now();
      await awaitAssignment(first, allPartitions(topic, 2), rebalanceTimeoutMs);
      // Faster than detecting a dead member, which takes the session timeout.
      expect(Date.now() - started).toBeLessThan(sessionTimeoutMs);
    },
    4 * 60_000,
  );

  it(
    'delivers again, after a crash, every record the crashed member consumed without committing',
    async () => {
      const backend = context.backend();
      const topic = uniqueName('crash');
      const groupId = uniqueName('crash-group');
      await backend.log.createTopics([{ name: topic, partitions: 3 }]);
      const producer = context.closeAfter(await backend.log.producer());
      await producer.send(topic, values(120, 'record'));
      const plan: CrashPlan = { topic, groupId, sessionTimeoutMs, maxRecords: 10, commitUntil: 40, stopAfter: 80 };

      const report = backend.killConsumerProcess
        ? await backend.killConsumerProcess(plan)
        : await crashInProcess(context, backend, plan);
      expect(report.consumed.length).toBeGreaterThanOrEqual(plan.stopAfter);
      expect(report.committed.length).toBeGreaterThan(0);

      const committed = new Map(
        (await backend.log.lag(groupId, topic)).map((lag) => [lag.partition, lag.committed ?? 0]),
      );
      for (const acknowledged of report.committed) {
        expect(committed.get(acknowledged.partition)).toBeGreaterThanOrEqual(acknowledged.offset);
      }
      const ends = new Map((await backend.log.endOffsets(topic)).map((end) => [end.partition, end.offset]));
      const survivor = context.closeAfter(await backend.log.consumer({ groupId, topics: [topic], sessionTimeoutMs }));
      const remaining = [...ends].reduce((sum, [partition, end]) => sum + end - committed.get(partition)!, 0);
      const received = await consumeUntil(
        survivor,
        'the survivor to read everything after the last commit',
        rebalanceTimeoutMs,
        (all) => all.length >= remaining,
      );

      const consumedBefore = new Set(report.consumed.map(({ partition, offset }) => `${partition}/${offset}`));
      for (const [partition, end] of ends) {
        const start = committed.get(partition)!;
        const offsets = received.filter((record) => record.partition === partition).map((record) => record.offset);
        // At least once: every record from the committed offset on, none skipped.
        expect(offsets).toEqual(Array.from({ length: end - start }, (_, i) => start + i));
        // Nothing lost: the committed part was consumed by the crashed member.
        for (let offset = 0; offset < start; offset++) expect(consumedBefore).toContain(`${partition}/${offset}`);
      }
      const redelivered = received.filter((record) => consumedBefore.has(`${record.partition}/${record.offset}`));
      expect(redelivered.length).toBeGreaterThan(0);
    },
    4 * 60_000,
  );

  it(
    'stops returning records of paused partitions until they are resumed',
    async () => {
      const { log } = context.backend();
      const topic = uniqueName('pause');
      await log.createTopics([{ name: topic, partitions: 2 }]);
      const producer = context.closeAfter(await log.producer());
      const consumer = context.closeAfter(await log.consumer({ groupId: uniqueName('pause-group'), topics: [topic] }));
      const early = await awaitAssignment(consumer, allPartitions(topic, 2), rebalanceTimeoutMs);
      expect(early).toEqual([]);

      consumer.pause([{ topic, partition: 0 }]);
      await producer.send(topic, [
        ...Array.from({ length: 5 }, (_, i) => ({ key: null, value: Buffer.from(`p0-${i}`), partition: 0 })),
        ...Array.from({ length: 5 }, (_, i) => ({ key: null, value: Buffer.from(`p1-${i}`), partition: 1 })),
      ]);
      const whilePaused = await consumeUntil(
        consumer,
        'the records of the unpaused partition',
        30_000,
        (all) => all.length >= 5,
      );
      whilePaused.push(...(await consumer.poll(500)));
      expect(whilePaused.map(text)).toEqual(['p1-0', 'p1-1', 'p1-2', 'p1-3', 'p1-4']);

      consumer.resume([{ topic, partition: 0 }]);
      const resumed = await consumeUntil(
        consumer,
        'the records of the resumed partition',
        30_000,
        (all) => all.length >= 5,
      );
      expect(resumed.map(text)).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p0-4']);
    },
    2 * 60_000,
  );

  it(
    'starts a new group at the end of the log with startFrom latest',
    async () => {
      const { log } = context.backend();
      const topic = uniqueName('latest');
      await log.createTopics([{ name: topic, partitions: 2 }]);
      const producer = context.closeAfter(await log.producer());
      await producer.send(topic, values(6, 'old'));
      const consumer = context.closeAfter(
        await log.consumer({ groupId: uniqueName('latest-group'), topics: [topic], startFrom: 'latest' }),
      );
      const early = await awaitAssignment(consumer, allPartitions(topic, 2), rebalanceTimeoutMs);
      expect(early).toEqual([]);
      await producer.send(topic, values(4, 'new'));
      const received = await consumeUntil(consumer, 'the new records', 30_000, (all) => all.length >= 4);
      received.push(...(await consumer.poll(300)));
      expect(received.map(text).sort()).toEqual(['new-0', 'new-1', 'new-2', 'new-3']);
    },
    2 * 60_000,
  );

  it(
    "reports a group's committed offsets and lag per partition",
    async () => {
      const { log } = context.backend();
      const topic = uniqueName('lag');
      const groupId = uniqueName('lag-group');
      await log.createTopics([{ name: topic, partitions: 2 }]);
      const producer = context.closeAfter(await log.producer());
      await producer.send(topic, [
        ...Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`${i}`), partition: 0 })),
        ...Array.from({ length: 4 }, (_, i) => ({ key: null, value: Buffer.from(`${i}`), partition: 1 })),
      ]);
      const consumer = context.closeAfter(await log.consumer({ groupId, topics: [topic] }));
      await consumeUntil(consumer, 'all 14 records', 30_000, (all) => all.length >= 14);
      await consumer.commit([{ topic, partition: 0, offset: 4 }]);

      const lag = (await log.lag(groupId, topic)).sort((a, b) => a.partition - b.partition);
      expect(lag).toEqual([
        { topic, partition: 0, committed: 4, end: 10, lag: 6 },
        { topic, partition: 1, committed: undefined, end: 4, lag: 4 },
      ]);
    },
    2 * 60_000,
  );
}

/** Runs the crash plan on an in-process consumer, then crashes it (see LogUnderTest.crash). */
async function crashInProcess(context: SuiteContext, backend: LogUnderTest, plan: CrashPlan): Promise<CrashReport> {
  const consumer = context.closeAfter(
    await backend.log.consumer({
      groupId: plan.groupId,
      topics: [plan.topic],
      sessionTimeoutMs: plan.sessionTimeoutMs,
      maxRecords: plan.maxRecords,
    }),
  );
  const events: CrashEvent[] = [];
  await runCrashPlan(
    consumer,
    plan,
    (event) => events.push(event),
    () => false,
  );
  await crash(backend, consumer);
  return crashReport(events);
}
