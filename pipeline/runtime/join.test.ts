import { describe, expect, it } from '@jest/globals';
import { PipelineError, RetriableError } from '../errors/index.js';
import type { Consumer, EventLog } from '../log/contract.js';
import { joinGroup } from './join.js';

/** A log whose consumer() fails with `failures` in turn, then succeeds. */
function flakyLog(failures: Error[]): { log: EventLog; calls: () => number } {
  let calls = 0;
  const consumer = {} as Consumer;
  const log = {
    async consumer() {
      const failure = failures[calls++];
      if (failure) throw failure;
      return consumer;
    },
  } as unknown as EventLog;
  return { log, calls: () => calls };
}

describe('joinGroup', () => {
  it('waits out retriable join failures (a broker restarting) and returns the consumer', async () => {
    const { log, calls } = flakyLog([
      new RetriableError('coordinator not available'),
      new RetriableError('rebalancing'),
    ]);
    const retried: unknown[] = [];
    await expect(
      joinGroup(log, { groupId: 'g', topics: ['t'] }, (error) => retried.push(error)),
    ).resolves.toBeDefined();
    expect(calls()).toBe(3);
    expect(retried).toHaveLength(2);
  });

  it('throws a permanent failure at once', async () => {
    const { log, calls } = flakyLog([new PipelineError('no such topic', { retriable: false })]);
    await expect(joinGroup(log, { groupId: 'g', topics: ['t'] })).rejects.toThrow('no such topic');
    expect(calls()).toBe(1);
  });
});
