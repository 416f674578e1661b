import { describe, expect, it } from '@jest/globals';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { InvalidRecordError } from '../../errors/index.js';
import { partitionForKey } from '../partitioner.js';
import { createPartitionChooser, encodedRecordBytes, recordBytes, toLogRecord, toMessage } from './records.js';

const metadata = (partitions: number): PartitionMetadata[] =>
  Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));

describe('records for Kafka', () => {
  it('leaves each key as the bytes it hashed when asked, null for unkeyed records', () => {
    const choose = createPartitionChooser();
    const keys: (Buffer | null)[] = [];
    const given = Buffer.from('raw');
    const partitions = choose(
      't',
      [
        { key: 'é', value: null },
        { key: given, value: null },
        { key: null, value: null },
        { key: 'x', value: null, partition: 2 },
      ],
      4,
      keys,
    );
    expect(keys).toEqual([Buffer.from('é', 'utf8'), given, null, Buffer.from('x')]);
    expect(keys[1]).toBe(given);
    expect(partitions[0]).toBe(choose('t', [{ key: 'é', value: null }], 4)[0]);
    expect(partitions[3]).toBe(2);
  });

  it("puts keys where kafkajs's Java-compatible DefaultPartitioner (murmur2) puts them", () => {
    const choose = createPartitionChooser();
    const kafkajs = Partitioners.DefaultPartitioner();
    const keys = [
      'scenario-1',
      'scenario-2',
      'org-42',
      'é',
      '',
      'a'.repeat(257),
      ...Array.from({ length: 200 }, (_, i) => `k${i}`),
    ];
    for (const partitions of [1, 3, 6, 7, 12]) {
      const ours = choose(
        't',
        keys.map((key) => ({ key, value: null })),
        partitions,
      );
      const theirs = keys.map((key) =>
        kafkajs({ topic: 't', partitionMetadata: metadata(partitions), message: { key, value: null } }),
      );
      expect(ours).toEqual(theirs);
    }
  });

  it('gives cached string keys the same bytes and partitions as fresh ones, also past the cache bound', () => {
    const choose = createPartitionChooser();
    // 20 000 distinct keys: more than the cache holds, so it is emptied and refilled on the way.
    const records = Array.from({ length: 20_000 }, (_, index) => ({ key: `scenario-${index % 10_000}`, value: null }));
    const keys: (Buffer | null)[] = [];
    const partitions = choose('t', records, 7, keys);
    const again = choose('t', records, 7);
    const wrongKeys = records.filter((record, index) => !keys[index]?.equals(Buffer.from(record.key)));
    expect(wrongKeys).toEqual([]);
    expect(partitions).toEqual(records.map((record) => partitionForKey(record.key, 7)));
    expect(again).toEqual(partitions);
    // The partition count is applied per call, not cached with the key.
    expect(choose('t', [records[0]!], 3)[0]).toBe(partitionForKey(records[0]!.key, 3));
  });

  it('keeps the unkeyed records of one send together and rotates between sends', () => {
    const choose = createPartitionChooser();
    const first = choose(
      't',
      [
        { key: null, value: null },
        { key: null, value: null },
      ],
      3,
    );
    const second = choose('t', [{ key: null, value: null }], 3);
    expect(first[0]).toBe(first[1]);
    expect(second[0]).toBe((first[0]! + 1) % 3);
  });

  it('honours an explicit partition and refuses one the topic does not have', () => {
    const choose = createPartitionChooser();
    expect(choose('t', [{ key: 'k', value: null, partition: 2 }], 3)).toEqual([2]);
    expect(() =>
      choose(
        't',
        [
          { key: 'k', value: null },
          { key: null, value: null, partition: 3 },
        ],
        3,
      ),
    ).toThrow(InvalidRecordError);
    expect(() => choose('t', [{ key: null, value: null, partition: 3 }], 3)).toThrow(
      'records[0].partition is 3, but topic "t" has partitions 0–2.',
    );
  });

  it('counts record size as the contract does (key + value + headers) and estimates the encoded size above it', () => {
    const record = { key: 'ab', value: Buffer.alloc(10), headers: { h: 'xyz', é: Buffer.alloc(2) } };
    expect(recordBytes(record)).toBe(2 + 10 + 1 + 3 + 2 + 2);
    expect(encodedRecordBytes(record)).toBeGreaterThan(recordBytes(record));
  });

  it('converts both ways: timestamps as strings for kafkajs, numbers and Buffers for the contract', () => {
    expect(toMessage({ key: 'k', value: null, headers: { a: 'b' } }, 1, 1700000000000)).toEqual({
      key: 'k',
      value: null,
      partition: 1,
      timestamp: '1700000000000',
      headers: { a: 'b' },
    });
    const record = toLogRecord('t', 2, {
      key: null,
      value: Buffer.from('v'),
      timestamp: '1700000000001',
      attributes: 0,
      offset: '41',
      headers: { single: Buffer.from('1'), repeated: [Buffer.from('first'), Buffer.from('last')] },
    });
    expect(record).toEqual({
      topic: 't',
      partition: 2,
      offset: 41,
      key: null,
      value: Buffer.from('v'),
      timestamp: 1700000000001,
      headers: { single: Buffer.from('1'), repeated: Buffer.from('last') },
    });
  });
});
