import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { requireService } from '../../../test/support/services.js';
import { ConfigError, InvalidRecordError, NotFoundError, RetriableError } from '../../errors/index.js';
import type { EventLog } from '../contract.js';
import { partitionForKey } from '../partitioner.js';
import { extractTraceContext } from '../trace.js';
import { createKafkaLog } from './index.js';
import { nextPositions, pollUntil, stackContextManager, uniqueName } from './testing/helpers.js';

describe('Kafka EventLog (real broker)', () => {
  let bootstrap: string;
  let log: EventLog;
  const created: string[] = [];

  /** A new topic for one test, deleted after the suite. */
  const topic = async (
    partitions = 3,
    extra: { retentionMs?: number; compacted?: boolean; maxRecordBytes?: number } = {},
  ) => {
    const name = uniqueName('it-kafka-log');
    await log.createTopics([{ name, partitions, ...extra }]);
    created.push(name);
    return name;
  };

  beforeAll(async () => {
    bootstrap = (await requireService('kafka')).endpoints.bootstrap!;
    log = createKafkaLog({ brokers: [bootstrap] });
  });

  afterAll(async () => {
    if (created.length > 0) await log?.deleteTopics(created).catch(() => undefined);
    await log?.close();
  });

  describe('topics', () => {
    it('creates topics idempotently with partitions, retention, compaction and record size, and describes them', async () => {
      const name = uniqueName('it-kafka-topic');
      const config = { name, partitions: 4, retentionMs: 3_600_000, compacted: true, maxRecordBytes: 65_536 };
      await log.createTopics([config]);
      created.push(name);
      await log.createTopics([config]);
      expect(await log.describeTopic(name)).toEqual({
        name,
        partitions: 4,
        compacted: true,
        retentionMs: 3_600_000,
        maxRecordBytes: 65_536,
      });
      expect(await log.listTopics()).toContain(name);
      expect((await log.listTopics()).some((t) => t.startsWith('__'))).toBe(false);
    });

    it('describes defaults like the embedded log: no retention of its own, 1 MiB records, not compacted', async () => {
      const name = await topic(1);
      expect(await log.describeTopic(name)).toEqual({
        name,
        partitions: 1,
        compacted: false,
        retentionMs: undefined,
        maxRecordBytes: 1_048_576,
      });
    });

    it('refuses an existing topic with another partition count, saying what to do', async () => {
      const name = await topic(3);
      const attempt = log.createTopics([{ name, partitions: 6 }]);
      await expect(attempt).rejects.toThrow(ConfigError);
      await expect(log.createTopics([{ name, partitions: 6 }])).rejects.toThrow(
        `Topic "${name}" already exists with 3 partitions, not 6.`,
      );
    });

    it('names unknown topics and how to create them', async () => {
      const missing = uniqueName('it-kafka-missing');
      await expect(log.describeTopic(missing)).rejects.toThrow(NotFoundError);
      await expect(log.describeTopic(missing)).rejects.toThrow(/`makestream topics ensure`/);
      await expect(log.endOffsets(missing)).rejects.toThrow(NotFoundError);
      await expect(log.deleteTopics([missing])).rejects.toThrow(NotFoundError);
    });

    it('deletes topics so that the name can be created again at once', async () => {
      const name = uniqueName('it-kafka-delete');
      await log.createTopics([{ name, partitions: 2 }]);
      await log.deleteTopics([name]);
      expect(await log.listTopics()).not.toContain(name);
      await log.createTopics([{ name, partitions: 1 }]);
      created.push(name);
      expect((await log.describeTopic(name)).partitions).toBe(1);
    });
  });

  describe('producing and consuming', () => {
    it('acks with offsets, puts keys in their murmur2 partitions and reads them back with headers and timestamps', async () => {
      const name = await topic(6);
      const producer = await log.producer();
      // Recent event times: older than the topic's retention (7 days), the broker would delete them at once.
      const base = Date.now() - 60_000;
      const records = Array.from({ length: 60 }, (_, i) => ({
        key: `scenario-${i % 12}`,
        value: Buffer.from(`execution-${i}`),
        headers: { source: 'test', index: Buffer.from([i]) },
        timestamp: base + i,
      }));
      const acked = await producer.send(name, records);
      expect(acked).toHaveLength(60);
      acked.forEach((position, i) => expect(position.partition).toBe(partitionForKey(records[i]!.key, 6)));
      await producer.close();

      const consumer = await log.consumer({ groupId: uniqueName('it-kafka-group'), topics: [name] });
      const read = await pollUntil(consumer, (all) => all.length >= 60);
      await consumer.close();
      expect(read).toHaveLength(60);
      const byValue = new Map(read.map((r) => [r.value!.toString(), r]));
      records.forEach((sent, i) => {
        const got = byValue.get(sent.value.toString())!;
        expect(got).toMatchObject({
          topic: name,
          partition: acked[i]!.partition,
          offset: acked[i]!.offset,
          timestamp: sent.timestamp,
        });
        expect(got.key?.toString()).toBe(sent.key);
        expect(got.headers.source?.toString()).toBe('test');
        expect(got.headers.index).toEqual(Buffer.from([i]));
      });
      // Per partition, in offset order.
      for (let p = 0; p < 6; p++) {
        const offsets = read.filter((r) => r.partition === p).map((r) => r.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      }
    });

    it('sends tombstones (null values) and records with explicit partitions', async () => {
      const name = await topic(3, { compacted: true });
      const producer = await log.producer();
      const acked = await producer.send(name, [
        { key: 'a', value: Buffer.from('1'), partition: 2 },
        { key: 'a', value: null, partition: 2 },
      ]);
      await producer.close();
      expect(acked.map((a) => [a.partition, a.offset])).toEqual([
        [2, 0],
        [2, 1],
      ]);
      const consumer = await log.consumer({ groupId: uniqueName('it-kafka-group'), topics: [name] });
      const read = await pollUntil(consumer, (all) => all.length >= 2);
      await consumer.close();
      expect(read.map((r) => r.value)).toEqual([Buffer.from('1'), null]);
    });

    it('splits large sends into requests within the topic limit, with gzip', async () => {
      const name = await topic(2, { maxRecordBytes: 10_000 });
      const gzip = createKafkaLog({ brokers: [bootstrap], producer: { compression: 'gzip' } });
      const producer = await gzip.producer();
      const records = Array.from({ length: 400 }, (_, i) => ({ key: `k${i % 2}`, value: Buffer.alloc(500, i % 251) }));
      const acked = await producer.send(name, records);
      await gzip.close();
      expect(new Set(acked.map((a) => `${a.partition}:${a.offset}`)).size).toBe(400);
      const ends = await log.endOffsets(name);
      expect(ends.reduce((sum, e) => sum + e.offset, 0)).toBe(400);
    });

    it('refuses an oversize record before sending, naming topic, size and limit', async () => {
      const name = await topic(1, { maxRecordBytes: 1000 });
      const producer = await log.producer();
      const send = producer.send(name, [
        { key: 'k', value: Buffer.from('small') },
        { key: 'k', value: Buffer.alloc(2000) },
      ]);
      await expect(send).rejects.toThrow(InvalidRecordError);
      await expect(producer.send(name, [{ key: null, value: Buffer.alloc(2000) }])).rejects.toThrow(
        `records[0] is 2000 bytes (key + value + headers), larger than topic "${name}" accepts (maxRecordBytes = 1000)`,
      );
      expect((await log.endOffsets(name))[0]!.offset).toBe(0);
      // Exactly at the limit fits: the topic's max.message.bytes leaves room for the batch framing.
      await producer.send(name, [{ key: 'k', value: Buffer.alloc(997), headers: { h: '' } }]);
      // Within the limit, but with so many headers that the framing exceeds that room: the broker refuses, same class.
      const letters = 'abcdefghijklmnopqrstuvwxyz';
      const headers = Object.fromEntries(
        Array.from({ length: 250 }, (_, i) => [`${letters[i % 26]}${letters[Math.floor(i / 26)]}`, '']),
      );
      const refused = producer.send(name, [{ key: null, value: Buffer.alloc(490), headers }]);
      await expect(refused).rejects.toThrow(InvalidRecordError);
      await expect(refused).rejects.toThrow(/Kafka refused a record batch for topic .* as too large/);
      await producer.close();
      expect((await log.endOffsets(name))[0]!.offset).toBe(1);
    });

    it('says how to create a topic that does not exist', async () => {
      const producer = await log.producer();
      const missing = uniqueName('it-kafka-missing');
      await expect(producer.send(missing, [{ key: 'k', value: null }])).rejects.toThrow(NotFoundError);
      await producer.close();
      await expect(log.consumer({ groupId: uniqueName('g'), topics: [missing] })).rejects.toThrow(
        /makestream topics ensure/,
      );
    });

    it('carries the caller’s span as a W3C traceparent header', async () => {
      const name = await topic(1);
      const manager = stackContextManager();
      context.setGlobalContextManager(manager);
      try {
        const producer = await log.producer();
        const span = {
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
          spanId: '00f067aa0ba902b7',
          traceFlags: TraceFlags.SAMPLED,
        };
        await context.with(trace.setSpanContext(context.active(), span), () =>
          producer.send(name, [
            { key: 'k', value: Buffer.from('traced') },
            { key: 'k', value: null, headers: { traceparent: 'own' } },
          ]),
        );
        await producer.close();
        const consumer = await log.consumer({ groupId: uniqueName('it-kafka-group'), topics: [name] });
        const [traced, own] = await pollUntil(consumer, (all) => all.length >= 2);
        await consumer.close();
        expect(traced!.headers.traceparent?.toString()).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
        expect(trace.getSpanContext(extractTraceContext(traced!.headers))).toMatchObject({ ...span, isRemote: true });
        expect(own!.headers.traceparent?.toString()).toBe('own');
      } finally {
        context.disable();
      }
    });
  });

  describe('groups, positions and offsets', () => {
    it('commits, reports lag, and a new member of the group continues after the last commit', async () => {
      const name = await topic(2);
      const groupId = uniqueName('it-kafka-group');
      const producer = await log.producer();
      await producer.send(
        name,
        Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(String(i)) })),
      );

      expect((await log.lag(groupId, name)).map((l) => [l.committed, l.lag]).reduce((s, [, lag]) => s + lag!, 0)).toBe(
        20,
      );
      const first = await log.consumer({ groupId, topics: [name], maxRecords: 5 });
      const batch = await pollUntil(first, (all) => all.length > 0);
      await first.commit(nextPositions(batch));
      await first.close();
      const lag = await log.lag(groupId, name);
      expect(lag.reduce((sum, l) => sum + l.lag, 0)).toBe(20 - batch.length);
      expect(lag.some((l) => l.committed !== undefined)).toBe(true);

      const second = await log.consumer({ groupId, topics: [name] });
      const rest = await pollUntil(second, (all) => all.length >= 20 - batch.length, { commit: true });
      await second.close();
      const seen = [...batch, ...rest].map((r) => Number(r.value!.toString())).sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect((await log.lag(groupId, name)).every((l) => l.lag === 0)).toBe(true);
      await producer.close();
    });

    it('starts at the end with startFrom latest', async () => {
      const name = await topic(1);
      const producer = await log.producer();
      await producer.send(name, [{ key: 'old', value: Buffer.from('old') }]);
      const consumer = await log.consumer({
        groupId: uniqueName('it-kafka-group'),
        topics: [name],
        startFrom: 'latest',
      });
      expect(await consumer.poll(300)).toEqual([]);
      await producer.send(name, [{ key: 'new', value: Buffer.from('new') }]);
      const read = await pollUntil(consumer, (all) => all.length >= 1);
      expect(read.map((r) => r.value!.toString())).toEqual(['new']);
      await consumer.close();
      await producer.close();
    });

    it('seeks back to replay and forward to skip, and finds offsets by timestamp', async () => {
      const name = await topic(1);
      const producer = await log.producer();
      const base = Date.now() - 3_600_000;
      await producer.send(
        name,
        Array.from({ length: 10 }, (_, i) => ({
          key: 'k',
          value: Buffer.from(String(i)),
          timestamp: base + 1_000 * (i + 1),
        })),
      );
      await producer.close();
      expect(await log.offsetsForTimestamp(name, base + 4_500)).toEqual([{ topic: name, partition: 0, offset: 4 }]);
      expect(await log.offsetsForTimestamp(name, base + 99_000)).toEqual([{ topic: name, partition: 0, offset: 10 }]);
      expect(await log.endOffsets(name)).toEqual([{ topic: name, partition: 0, offset: 10 }]);

      const consumer = await log.consumer({ groupId: uniqueName('it-kafka-group'), topics: [name] });
      await pollUntil(consumer, (all) => all.length >= 10);
      consumer.seek({ topic: name, partition: 0, offset: 4 });
      const replay = await pollUntil(consumer, (all) => all.length >= 6);
      expect(replay.map((r) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
      consumer.seek({ topic: name, partition: 0, offset: 8 });
      expect((await pollUntil(consumer, (all) => all.length >= 2)).map((r) => r.offset)).toEqual([8, 9]);
      expect(() => consumer.seek({ topic: name, partition: 5, offset: 0 })).toThrow(/not assigned to this consumer/);
      await consumer.close();
    });

    it('pauses and resumes partitions without losing or repeating records', async () => {
      const name = await topic(2);
      const producer = await log.producer();
      const p0 = { topic: name, partition: 0 };
      await producer.send(
        name,
        Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`a${i}`), partition: i % 2 })),
      );
      const consumer = await log.consumer({ groupId: uniqueName('it-kafka-group'), topics: [name], maxRecords: 2 });
      expect(consumer.assignment()).toEqual([p0, { topic: name, partition: 1 }]);
      const early = await pollUntil(consumer, (all) => all.some((r) => r.partition === 0));
      consumer.pause([p0]);
      const duringPause = await pollUntil(
        consumer,
        (all) => all.filter((r) => r.partition === 1).length + early.filter((r) => r.partition === 1).length >= 5,
        {
          timeoutMs: 10_000,
        },
      );
      expect(duringPause.every((r) => r.partition === 1)).toBe(true);
      await producer.send(name, [{ key: null, value: Buffer.from('late'), partition: 0 }]);
      expect((await consumer.poll(700)).some((r) => r.partition === 0)).toBe(false);
      consumer.resume([p0]);
      const after = await pollUntil(
        consumer,
        (all) => all.filter((r) => r.partition === 0).length + early.filter((r) => r.partition === 0).length >= 6,
      );
      const partition0 = [...early, ...duringPause, ...after].filter((r) => r.partition === 0).map((r) => r.offset);
      expect(partition0).toEqual([0, 1, 2, 3, 4, 5]);
      await consumer.close();
      await producer.close();
    });
  });

  describe('failures', () => {
    it('an unreachable cluster is a retriable error naming the brokers', async () => {
      const offline = createKafkaLog({
        brokers: ['127.0.0.1:1'],
        connectionTimeoutMs: 500,
        retry: { retries: 1, initialRetryTimeMs: 50 },
      });
      const attempt = offline.listTopics();
      await expect(attempt).rejects.toThrow(RetriableError);
      await expect(offline.producer()).rejects.toThrow(/Cannot reach the Kafka brokers 127\.0\.0\.1:1 .*ECONNREFUSED/);
      await offline.close();
    });
  });
});
