/**
 * The check-and-partition step both Kafka producers share: the kafkajs messages (`planSend`) and
 * librdkafka's parallel arrays (`planRecords`) come from the same decisions.
 */
import { describe, expect, it } from '@jest/globals';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InvalidRecordError, NotFoundError } from '../../errors/index.js';
import type { OutgoingRecord } from '../contract.js';
import { partitionForKey } from '../partitioner.js';
import { parseKafkaLogConfig } from './config.js';
import { planRecords, type SendDeps } from './plan.js';
import { planSend } from './producer.js';
import { createPartitionChooser, RECORD_BATCH_OVERHEAD } from './records.js';
import type { KafkaTopics } from './topics.js';

const deps = (traceContext = false): SendDeps => ({
  topics: {
    info: async (name: string) => {
      if (name !== 'orders') throw new NotFoundError(`Topic "${name}" does not exist`);
      return { partitions: 4, maxMessageBytes: 2048 + 512, maxRecordBytes: 2048 };
    },
    forget: () => undefined,
  } as unknown as KafkaTopics,
  connection: { brokers: ['127.0.0.1:19092'], tls: false, sasl: undefined },
  clock: () => 1_700_000_000_000,
  config: parseKafkaLogConfig({ brokers: ['127.0.0.1:19092'], traceContext }),
  choosePartitions: createPartitionChooser(),
});

const records: OutgoingRecord[] = [
  { key: 'scenario-1', value: Buffer.from('a') },
  { key: Buffer.from('scenario-2'), value: Buffer.from('bb'), timestamp: 5 },
  { key: null, value: Buffer.from('ccc'), headers: { h: 'v' } },
  { key: 'x', value: null, partition: 3 },
];

describe('planRecords', () => {
  it('partitions, keys as bytes, the send time and the batch budget, as the kafkajs plan has them', async () => {
    const plan = await planRecords(deps(), 'orders', records, ROOT_CONTEXT);
    expect(plan.keys).toEqual([Buffer.from('scenario-1'), Buffer.from('scenario-2'), null, Buffer.from('x')]);
    expect(plan.partitions.slice(0, 2)).toEqual([partitionForKey('scenario-1', 4), partitionForKey('scenario-2', 4)]);
    expect(plan.partitions[3]).toBe(3);
    expect(plan.now).toBe(1_700_000_000_000);
    // Batch budget: min(producer.batchMaxBytes, the topic's max.message.bytes) less the batch header.
    expect(plan.partitionBytes).toBe(2048 + 512 - RECORD_BATCH_OVERHEAD);
    // The largest record by the contract's count: key + value + header names and values.
    expect(plan.record).toEqual({ bytes: 'scenario-2'.length + 2, limitBytes: 2048 });

    const kafkajs = await planSend(deps(), 'orders', records, ROOT_CONTEXT);
    // Unkeyed records take a random starting partition per chooser: compare the keyed ones.
    const keyed = (partitions: readonly number[]): number[] => partitions.filter((_, index) => index !== 2);
    expect(keyed(kafkajs.messages.map(({ message }) => message.partition))).toEqual(keyed(plan.partitions));
    expect(kafkajs.messages.map(({ message }) => message.timestamp)).toEqual([
      '1700000000000',
      '5',
      '1700000000000',
      '1700000000000',
    ]);
    expect(kafkajs.record).toEqual(plan.record);
    expect(kafkajs.partitionBytes).toBe(plan.partitionBytes);
  });

  it('rejects the whole send for one oversize record, a partition the topic lacks, or a non-array', async () => {
    const big = { key: 'k', value: Buffer.alloc(2048) };
    await expect(planRecords(deps(), 'orders', [records[0]!, big], ROOT_CONTEXT)).rejects.toThrow(
      /records\[1\] is 2049 bytes .*\(maxRecordBytes = 2048\)/,
    );
    await expect(
      planRecords(deps(), 'orders', [{ key: null, value: null, partition: 4 }], ROOT_CONTEXT),
    ).rejects.toThrow(InvalidRecordError);
    await expect(planRecords(deps(), 'orders', 'nope' as never, ROOT_CONTEXT)).rejects.toThrow(/expected an array/);
    await expect(planRecords(deps(), 'missing', records, ROOT_CONTEXT)).rejects.toThrow(NotFoundError);
  });

  it('adds the active span as traceparent when trace context is on, and counts it in the size', async () => {
    const span = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    });
    const active = trace.setSpan(ROOT_CONTEXT, span);
    const plan = await planRecords(deps(true), 'orders', [records[0]!], active);
    expect(plan.records[0]!.headers).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(plan.record.bytes).toBe('scenario-1'.length + 1 + 'traceparent'.length + 55);
  });
});
