import { describe, expect, it } from '@jest/globals';
import { createDeliveryQueues, pendingSend } from './deliveries.js';

const report = (partition: number, offset: number, size = 1, topic = 't') => ({ topic, partition, offset, size });

describe('librdkafka delivery book-keeping', () => {
  it('resolves a send with offsets in the order given once its last record was reported, whatever the partition order', async () => {
    const queues = createDeliveryQueues();
    const pending = pendingSend(3);
    queues.push('t', 2, pending.state, 0, 1);
    queues.push('t', 0, pending.state, 1, 1);
    queues.push('t', 2, pending.state, 2, 1);
    let settled = false;
    void pending.done.then(() => (settled = true));
    expect(queues.settle(report(0, 40))).toBe(true);
    expect(queues.settle(report(2, 7))).toBe(true);
    await Promise.resolve();
    expect(settled).toBe(false);
    expect(queues.settle(report(2, 8))).toBe(true);
    await expect(pending.done).resolves.toEqual([7, 40, 8]);
    expect(queues.size()).toBe(0);
  });

  it('keeps sends apart within one partition: reports go to records in produce order', async () => {
    const queues = createDeliveryQueues();
    const first = pendingSend(2);
    const second = pendingSend(1);
    queues.push('t', 0, first.state, 0, 3);
    queues.push('t', 0, first.state, 1, 4);
    queues.push('t', 0, second.state, 0, 5);
    queues.push('u', 0, second.state, 0, 5);
    for (const [offset, size] of [
      [10, 3],
      [11, 4],
      [12, 5],
    ] as const) {
      expect(queues.settle(report(0, offset, size))).toBe(true);
    }
    await expect(first.done).resolves.toEqual([10, 11]);
    expect(queues.size()).toBe(1);
  });

  it('refuses a report that matches no waiting record: none waits there, or the value size differs', () => {
    const queues = createDeliveryQueues();
    const pending = pendingSend(1);
    expect(queues.settle(report(0, 1))).toBe(false);
    queues.push('t', 0, pending.state, 0, 10);
    expect(queues.settle(report(1, 1, 10))).toBe(false);
    expect(queues.settle(report(0, 1, 11, 'other'))).toBe(false);
    expect(queues.settle(report(0, 1, 11))).toBe(false);
    expect(queues.size()).toBe(1);
  });

  it('fails the reported record with its error, and every waiting send with failAll', async () => {
    const queues = createDeliveryQueues();
    const hit = pendingSend(2);
    const bystander = pendingSend(1);
    queues.push('t', 0, hit.state, 0, 1);
    queues.push('t', 0, hit.state, 1, 1);
    queues.push('t', 1, bystander.state, 0, 1);
    const failure = Object.assign(new Error('Local: Message timed out'), { code: -192 });
    expect(queues.settle(report(0, -1), failure)).toBe(true);
    queues.failAll(new Error('producer replaced'));
    await expect(hit.done).rejects.toBe(failure);
    await expect(bystander.done).rejects.toThrow('producer replaced');
    expect(queues.size()).toBe(0);
    expect(queues.settle(report(1, 0))).toBe(false);
  });

  it('stays correct across compaction of a long queue', async () => {
    const queues = createDeliveryQueues();
    const total = 10_000;
    const pending = pendingSend(total);
    for (let index = 0; index < 6_000; index++) queues.push('t', 0, pending.state, index, 1);
    for (let offset = 0; offset < 5_000; offset++) expect(queues.settle(report(0, offset))).toBe(true);
    for (let index = 6_000; index < total; index++) queues.push('t', 0, pending.state, index, 1);
    for (let offset = 5_000; offset < total; offset++) expect(queues.settle(report(0, offset))).toBe(true);
    const offsets = await pending.done;
    expect(offsets.every((offset, index) => offset === index)).toBe(true);
  });

  it('rejects a send at once when it fails while enqueueing; later reports change nothing', async () => {
    const queues = createDeliveryQueues();
    const pending = pendingSend(2);
    queues.push('t', 0, pending.state, 0, 1);
    pending.fail(new Error('queue closed'));
    expect(queues.settle(report(0, 0))).toBe(true);
    await expect(pending.done).rejects.toThrow('queue closed');
  });
});
