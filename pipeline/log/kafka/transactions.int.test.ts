import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../test/support/services.js';
import type { EventLog } from '../contract.js';
import { createKafkaLog } from './index.js';
import { nextPositions, pollUntil, uniqueName } from './testing/helpers.js';

describe('Kafka transactions (real broker)', () => {
  let log: EventLog;
  const created: string[] = [];

  const topic = async (partitions = 1): Promise<string> => {
    const name = uniqueName('it-kafka-txn');
    await log.createTopics([{ name, partitions }]);
    created.push(name);
    return name;
  };
  const values = (records: { value: Buffer | null }[]): string[] => records.map((r) => r.value!.toString());

  beforeAll(async () => {
    const { endpoints } = await requireService('kafka');
    log = createKafkaLog({ brokers: [endpoints.bootstrap!] });
  });

  afterAll(async () => {
    if (created.length > 0) await log?.deleteTopics(created).catch(() => undefined);
    await log?.close();
  });

  it('read_committed consumers see committed transactions and never aborted ones', async () => {
    const name = await topic();
    const producer = await log.transactionalProducer(uniqueName('it-txn'));
    const aborted = await producer.begin();
    await aborted.send(name, [
      { key: 'k', value: Buffer.from('aborted-1') },
      { key: 'k', value: Buffer.from('aborted-2') },
    ]);
    await aborted.abort();
    const committed = await producer.begin();
    await committed.send(name, [{ key: 'k', value: Buffer.from('committed') }]);
    await committed.commit();
    await producer.close();

    const readCommitted = await log.consumer({ groupId: uniqueName('g'), topics: [name] });
    const seen = await pollUntil(readCommitted, (all) => all.length >= 1);
    expect(await readCommitted.poll(500)).toEqual([]);
    await readCommitted.close();
    expect(values(seen)).toEqual(['committed']);
    // Offsets count the aborted records and both transaction markers.
    expect(seen[0]!.offset).toBe(3);

    const readUncommitted = await log.consumer({ groupId: uniqueName('g'), topics: [name], readCommitted: false });
    const everything = await pollUntil(readUncommitted, (all) => all.length >= 3);
    await readUncommitted.close();
    expect(values(everything)).toEqual(['aborted-1', 'aborted-2', 'committed']);
  });

  it('hides an open transaction from read_committed consumers until it commits', async () => {
    const name = await topic();
    const producer = await log.transactionalProducer(uniqueName('it-txn'));
    const open = await producer.begin();
    await open.send(name, [{ key: 'k', value: Buffer.from('pending') }]);
    const consumer = await log.consumer({ groupId: uniqueName('g'), topics: [name] });
    expect(await consumer.poll(1000)).toEqual([]);
    await expect(producer.begin()).rejects.toThrow(/A transaction is already open/);
    await open.commit();
    expect(values(await pollUntil(consumer, (all) => all.length >= 1))).toEqual(['pending']);
    await consumer.close();
    await producer.close();
  });

  it('commits consumed offsets atomically with the output (read-process-write)', async () => {
    const input = await topic(2);
    const output = await topic(1);
    const groupId = uniqueName('it-txn-group');
    const plain = await log.producer();
    await plain.send(
      input,
      Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(String(i)) })),
    );
    await plain.close();

    const consumer = await log.consumer({ groupId, topics: [input] });
    const producer = await log.transactionalProducer(uniqueName('it-txn-processor'));
    const batch = await pollUntil(consumer, (all) => all.length >= 10);

    const failed = await producer.begin();
    await failed.send(
      output,
      batch.map((r) => ({ key: r.key, value: Buffer.from(`x${r.value!.toString()}`) })),
    );
    await failed.sendOffsets(groupId, nextPositions(batch));
    await failed.abort();
    expect((await log.lag(groupId, input)).reduce((sum, l) => sum + l.lag, 0)).toBe(10);

    const done = await producer.begin();
    await done.send(
      output,
      batch.map((r) => ({ key: r.key, value: Buffer.from(`x${r.value!.toString()}`) })),
    );
    await done.sendOffsets(groupId, nextPositions(batch));
    await done.commit();
    await producer.close();
    await consumer.close();

    expect((await log.lag(groupId, input)).every((l) => l.lag === 0)).toBe(true);
    const reader = await log.consumer({ groupId: uniqueName('g'), topics: [output] });
    const out = await pollUntil(reader, (all) => all.length >= 10);
    expect(await reader.poll(300)).toEqual([]);
    await reader.close();
    expect(values(out).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `x${i}`).sort());
  });

  it('fences the older producer when another one starts with the same transactional id', async () => {
    const name = await topic();
    const id = uniqueName('it-txn-fenced');
    const zombie = await log.transactionalProducer(id);
    const transaction = await zombie.begin();
    await transaction.send(name, [{ key: 'k', value: Buffer.from('zombie') }]);
    const successor = await log.transactionalProducer(id);
    await expect(transaction.commit()).rejects.toThrow(
      /Kafka fenced this producer .* another producer with the same transactional id started/,
    );
    const next = await successor.begin();
    await next.send(name, [{ key: 'k', value: Buffer.from('successor') }]);
    await next.commit();
    await Promise.all([zombie.close(), successor.close()]);
    const consumer = await log.consumer({ groupId: uniqueName('g'), topics: [name] });
    const seen = await pollUntil(consumer, (all) => all.length >= 1);
    expect(await consumer.poll(300)).toEqual([]);
    await consumer.close();
    expect(values(seen)).toEqual(['successor']);
  });
});
