/** Appending and reading records: order, offsets, partitioning, headers, size limits. */
import { expect, it } from '@jest/globals';
import { InvalidRecordError } from '../../../../pipeline/errors/index.js';
import type { LogRecord, OutgoingRecord } from '../../../../pipeline/log/contract.js';
import { partitionForKey, toPositive } from '../../../../pipeline/log/partitioner.js';
import { readAll, text, uniqueName } from '../harness.js';
import type { SuiteContext } from '../suite.js';

const byPartition = (records: readonly LogRecord[]): Map<number, LogRecord[]> => {
  const partitions = new Map<number, LogRecord[]>();
  for (const record of records) partitions.set(record.partition, [...(partitions.get(record.partition) ?? []), record]);
  return partitions;
};

/** Registers the record cases. */
export function recordCases(context: SuiteContext): void {
  it('keeps order per partition, with offsets from 0 increasing by one', async () => {
    const { log } = context.backend();
    const topic = uniqueName('order');
    await log.createTopics([{ name: topic, partitions: 3 }]);
    const producer = context.closeAfter(await log.producer());
    const sent: { key: string; value: string; partition: number; offset: number }[] = [];
    for (let send = 0; send < 5; send++) {
      const records = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 7}`, value: `${send}-${i}` }));
      const offsets = await producer.send(
        topic,
        records.map(({ key, value }) => ({ key, value: Buffer.from(value) })),
      );
      expect(offsets).toHaveLength(records.length);
      offsets.forEach((offset, i) => sent.push({ ...records[i]!, partition: offset.partition, offset: offset.offset }));
    }
    for (const partition of [0, 1, 2]) {
      const offsets = sent.filter((record) => record.partition === partition).map((record) => record.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }

    const received = await readAll(log, topic, 30_000);
    expect(received).toHaveLength(sent.length);
    for (const [partition, records] of byPartition(received)) {
      const expected = sent.filter((record) => record.partition === partition);
      expect(records.map((record) => [record.offset, record.key?.toString(), text(record)])).toEqual(
        expected.map((record) => [record.offset, record.key, record.value]),
      );
    }
  }, 60_000);

  it("puts a key in Kafka's murmur2 partition, the same for string and binary keys; an explicit partition wins", async () => {
    const { log } = context.backend();
    const topic = uniqueName('keys');
    await log.createTopics([{ name: topic, partitions: 6 }]);
    const producer = context.closeAfter(await log.producer());
    const keys = Array.from({ length: 40 }, (_, i) => `scenario-${i * 7919}`);
    const records: OutgoingRecord[] = [
      ...keys.map((key) => ({ key, value: Buffer.from('string key') })),
      ...keys.map((key) => ({ key: Buffer.from(key), value: Buffer.from('binary key') })),
      { key: 'foobar', value: Buffer.from('java vector') },
      { key: 'foobar', value: Buffer.from('explicit'), partition: 5 },
    ];
    const offsets = await producer.send(topic, records);

    keys.forEach((key, i) => {
      expect([key, offsets[i]!.partition]).toEqual([key, partitionForKey(key, 6)]);
      expect([key, offsets[keys.length + i]!.partition]).toEqual([key, offsets[i]!.partition]);
    });
    // apache/kafka UtilsTest: murmur2("foobar") == -790332482 in the Java client.
    expect(offsets[2 * keys.length]!.partition).toBe(toPositive(-790332482) % 6);
    expect(offsets[2 * keys.length + 1]!.partition).toBe(5);
    expect(new Set(offsets.slice(0, keys.length).map((offset) => offset.partition)).size).toBeGreaterThan(1);

    const received = await readAll(log, topic, 30_000);
    for (const record of received) {
      if (text(record) === 'explicit') expect(record.partition).toBe(5);
      else expect(record.partition).toBe(partitionForKey(record.key!, 6));
    }
  }, 60_000);

  it('round-trips keys, values, timestamps and headers (string and binary; consumers get Buffers)', async () => {
    const { log } = context.backend();
    const topic = uniqueName('headers');
    await log.createTopics([{ name: topic, partitions: 1 }]);
    const producer = context.closeAfter(await log.producer());
    const binary = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]);
    // Recent on purpose: Kafka rolls a segment when a batch's first record is older than segment.ms
    // (7 days), and time retention (checked every second on the local stack) then deletes that
    // segment. A months-old timestamp lost this record whenever librdkafka sent it in a batch of its own.
    const timestamp = Math.floor(Date.now() / 1000) * 1000 - 3_600_000 + 678;
    await producer.send(topic, [
      {
        key: binary,
        value: Buffer.from([0xff, 0x00, 0x10]),
        timestamp,
        headers: { 'trace-id': 'abc-123', binary, empty: '', ünïcödé: 'wért' },
      },
      { key: 'no-headers', value: Buffer.alloc(0) },
      { key: 'null-value', value: null },
    ]);

    const [first, second, third] = await readAll(log, topic, 30_000);
    expect(first!.key).toEqual(binary);
    expect(first!.value).toEqual(Buffer.from([0xff, 0x00, 0x10]));
    expect(first!.timestamp).toBe(timestamp);
    expect(Object.keys(first!.headers).sort()).toEqual(['binary', 'empty', 'trace-id', 'ünïcödé'].sort());
    for (const value of Object.values(first!.headers)) expect(Buffer.isBuffer(value)).toBe(true);
    expect(first!.headers['trace-id']!.toString()).toBe('abc-123');
    expect(first!.headers.binary).toEqual(binary);
    expect(first!.headers.empty).toEqual(Buffer.alloc(0));
    expect(first!.headers['ünïcödé']!.toString('utf8')).toBe('wért');
    expect(second!.key?.toString()).toBe('no-headers');
    expect(second!.value).toEqual(Buffer.alloc(0));
    expect(second!.headers).toEqual({});
    expect(Math.abs(second!.timestamp - Date.now())).toBeLessThan(5 * 60_000);
    expect(third!.value).toBeNull();
  }, 60_000);

  it('rejects an oversize record with an InvalidRecordError naming topic, size and limit, writing nothing of that send', async () => {
    const { log } = context.backend();
    const topic = uniqueName('oversize');
    const limit = 1024;
    await log.createTopics([{ name: topic, partitions: 3, maxRecordBytes: limit }]);
    const producer = context.closeAfter(await log.producer());
    const oversize = { key: 'big', value: Buffer.alloc(2048, 1) };
    const size = 3 + 2048;

    const error = await producer
      .send(topic, [
        { key: 'a', value: Buffer.from('small') },
        { key: 'b', value: Buffer.from('small') },
        { key: 'c', value: Buffer.from('small') },
        oversize,
      ])
      .then(
        () => undefined,
        (failure: unknown) => failure,
      );
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as InvalidRecordError).retriable).toBe(false);
    expect((error as Error).message).toContain(topic);
    expect((error as Error).message).toContain(String(size));
    expect((error as Error).message).toContain(String(limit));
    expect((await log.endOffsets(topic)).map((end) => end.offset)).toEqual([0, 0, 0]);

    // A record exactly at the limit (key + value + headers) is accepted, and offsets start at 0.
    const fits = await producer.send(topic, [
      { key: 'k', value: Buffer.alloc(limit - 1 - 'h'.length - 'v'.length), headers: { h: 'v' } },
    ]);
    expect(fits[0]!.offset).toBe(0);
    const received = await readAll(log, topic, 30_000);
    expect(received.map((record) => record.key?.toString())).toEqual(['k']);
  }, 60_000);
}
