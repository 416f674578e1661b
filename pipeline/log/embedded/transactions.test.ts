import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { EventLog } from '../contract.js';
import { temporaryLog, type TemporaryLog } from './testing/temporary-log.js';

const topic = 'tx.out';
const input = 'tx.in';

async function values(log: EventLog): Promise<string[]> {
  const ends = await log.endOffsets(topic);
  const consumer = await log.consumer({ groupId: `reader-${Math.random()}`, topics: [topic], startFrom: 'earliest' });
  const seen: string[] = [];
  const total = ends.reduce((sum, end) => sum + end.offset, 0);
  while (seen.length < total) {
    for (const record of await consumer.poll(200)) seen.push(record.value!.toString('utf8'));
  }
  await consumer.close();
  return seen.sort();
}

async function committed(log: EventLog, group: string): Promise<(number | undefined)[]> {
  return (await log.lag(group, input)).map((partition) => partition.committed);
}

describe('embedded transactions committed through the group commit', () => {
  let temporary: TemporaryLog;
  let log: EventLog;

  beforeEach(async () => {
    temporary = temporaryLog();
    log = temporary.open({ maintenanceIntervalMs: 0 });
    await log.createTopics([
      { name: topic, partitions: 2 },
      { name: input, partitions: 2 },
    ]);
  });
  afterEach(async () => temporary.remove());

  it('commits concurrent transactions of several producers, each with its records and offsets', async () => {
    const producers = await Promise.all(['a', 'b', 'c'].map((id) => log.transactionalProducer(`tx-${id}`)));
    const transactions = await Promise.all(producers.map((producer) => producer.begin()));
    for (const [index, transaction] of transactions.entries()) {
      await transaction.send(topic, [{ key: `k${index}`, value: Buffer.from(`v${index}`) }]);
      await transaction.sendOffsets(`group-${index}`, [{ topic: input, partition: index % 2, offset: 10 + index }]);
    }
    await Promise.all(transactions.map((transaction) => transaction.commit()));
    expect(await values(log)).toEqual(['v0', 'v1', 'v2']);
    expect(await committed(log, 'group-0')).toEqual([10, undefined]);
    expect(await committed(log, 'group-1')).toEqual([undefined, 11]);
    expect(await committed(log, 'group-2')).toEqual([12, undefined]);
    await Promise.all(producers.map((producer) => producer.close()));
  });

  it('fails a fenced transaction alone: the others of the same group commit, it leaves nothing', async () => {
    const fenced = await log.transactionalProducer('tx-fenced');
    const other = await log.transactionalProducer('tx-other');
    const first = await fenced.begin();
    const second = await other.begin();
    await first.send(topic, [{ key: 'f', value: Buffer.from('fenced') }]);
    await first.sendOffsets('group-fenced', [{ topic: input, partition: 0, offset: 5 }]);
    await second.send(topic, [{ key: 'o', value: Buffer.from('other') }]);
    await second.sendOffsets('group-other', [{ topic: input, partition: 1, offset: 7 }]);
    const newer = await log.transactionalProducer('tx-fenced'); // fences `fenced`
    const outcomes = await Promise.allSettled([first.commit(), second.commit()]);
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/fenced/) } });
    expect(outcomes[1]).toEqual({ status: 'fulfilled', value: undefined });
    expect(await values(log)).toEqual(['other']);
    expect(await committed(log, 'group-fenced')).toEqual([undefined, undefined]);
    expect(await committed(log, 'group-other')).toEqual([undefined, 7]);
    await Promise.all([fenced.close(), other.close(), newer.close()]);
  });

  it('fails a transaction whose offsets are invalid alone, and keeps its producer usable', async () => {
    const bad = await log.transactionalProducer('tx-bad');
    const good = await log.transactionalProducer('tx-good');
    const first = await bad.begin();
    const second = await good.begin();
    await first.send(topic, [{ key: 'b', value: Buffer.from('bad') }]);
    await first.sendOffsets('group-bad', [{ topic: input, partition: 9, offset: 1 }]);
    await second.send(topic, [{ key: 'g', value: Buffer.from('good') }]);
    const outcomes = await Promise.allSettled([first.commit(), second.commit()]);
    expect(outcomes[0]).toMatchObject({
      status: 'rejected',
      reason: { message: expect.stringMatching(/partition 9/) },
    });
    expect(outcomes[1].status).toBe('fulfilled');
    expect(await values(log)).toEqual(['good']);
    const retry = await bad.begin();
    await retry.send(topic, [{ key: 'b', value: Buffer.from('retried') }]);
    await retry.commit();
    expect(await values(log)).toEqual(['good', 'retried']);
    await Promise.all([bad.close(), good.close()]);
  });

  it('refuses sends and abort while a commit is under way; the next transaction begins once it committed', async () => {
    const producer = await log.transactionalProducer('tx-committing');
    const transaction = await producer.begin();
    await transaction.send(topic, [{ key: 'c', value: Buffer.from('committing') }]);
    const commit = transaction.commit();
    await expect(transaction.send(topic, [{ key: 'x', value: Buffer.from('late') }])).rejects.toThrow(/committing/);
    await expect(transaction.abort()).rejects.toThrow(/committing/);
    await commit;
    await expect(producer.begin()).resolves.toBeDefined();
    await producer.close();
    expect(await values(log)).toEqual(['committing']);
  });
});
