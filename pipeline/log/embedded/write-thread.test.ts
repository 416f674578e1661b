/**
 * The embedded log with producers' appends on a worker thread (`writeThread`) passes the EventLog
 * conformance suite, and the thread keeps issue order, savepoints and error reporting.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventLogConformance } from '../../../test/conformance/log/index.js';
import { createEmbeddedLog, type EmbeddedLogOptions } from './index.js';
import { killConsumerProcess } from './testing/kill-consumer.js';

describeEventLogConformance(
  'embedded (SQLite file, appends on a write thread)',
  async () => {
    const directory = mkdtempSync(join(tmpdir(), 'makestream-conformance-'));
    const options: EmbeddedLogOptions = {
      path: join(directory, 'log.db'),
      maintenanceIntervalMs: 100,
      pollIntervalMs: 10,
      writeThread: true,
    };
    const log = createEmbeddedLog(options);
    return {
      log,
      reopen: async () => createEmbeddedLog(options),
      killConsumerProcess: (plan) => killConsumerProcess(options.path, plan),
      cleanup: async () => {
        await log.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
  { sessionTimeoutMs: 1000, cleanupTimeoutMs: 10_000, rebalanceTimeoutMs: 15_000 },
);

describe('embedded log write thread', () => {
  const open = (): { log: ReturnType<typeof createEmbeddedLog>; done: () => Promise<void> } => {
    const directory = mkdtempSync(join(tmpdir(), 'makestream-write-thread-'));
    const log = createEmbeddedLog({ path: join(directory, 'log.db'), maintenanceIntervalMs: 0, writeThread: true });
    return {
      log,
      done: async () => {
        await log.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  };

  it('gives concurrent sends offsets in the order they were issued, and stores keys, values and headers', async () => {
    const { log, done } = open();
    try {
      await log.createTopics([{ name: 'orders', partitions: 1 }]);
      const producer = await log.producer();
      const sends = Array.from({ length: 50 }, (_, send) =>
        producer.send(
          'orders',
          Array.from({ length: 3 }, (_, index) => ({
            key: index === 1 ? null : `k${send}`,
            value: index === 2 ? null : Buffer.from(`v${send}.${index}`),
            headers: index === 0 ? { trace: `t${send}`, empty: '' } : undefined,
          })),
        ),
      );
      const offsets = (await Promise.all(sends)).flat().map((written) => written.offset);
      expect(offsets).toEqual(Array.from({ length: 150 }, (_, index) => index));
      const consumer = await log.consumer({ groupId: 'check', topics: ['orders'], maxRecords: 500 });
      const records = await consumer.poll(1000);
      expect(records).toHaveLength(150);
      const first = records[0]!;
      expect(first.key?.toString()).toBe('k0');
      expect(first.value?.toString()).toBe('v0.0');
      expect(first.headers.trace?.toString()).toBe('t0');
      expect(first.headers.empty?.length).toBe(0);
      expect(records[1]!.key).toBeNull();
      expect(records[149]!.value).toBeNull();
      expect(records[149]!.key?.toString()).toBe('k49');
      await consumer.close();
    } finally {
      await done();
    }
  });

  it('fails only the send to a deleted topic; the other sends of its group are written', async () => {
    const { log, done } = open();
    try {
      await log.createTopics([
        { name: 'kept', partitions: 1 },
        { name: 'dropped', partitions: 1 },
      ]);
      const producer = await log.producer();
      const kept = producer.send('kept', [{ key: null, value: Buffer.from('a') }]);
      const dropped = producer.send('dropped', [{ key: null, value: Buffer.from('b') }]);
      // Deleted after both sends were issued and before their group reaches the thread.
      await log.deleteTopics(['dropped']);
      await expect(dropped).rejects.toThrow(/missing/);
      await expect(kept).resolves.toEqual([{ topic: 'kept', partition: 0, offset: 0 }]);
      expect((await log.endOffsets('kept'))[0]!.offset).toBe(1);
    } finally {
      await done();
    }
  });

  it('rejects sends after close', async () => {
    const { log, done } = open();
    await log.createTopics([{ name: 'late', partitions: 1 }]);
    const producer = await log.producer();
    await producer.send('late', [{ key: null, value: Buffer.from('x') }]);
    await done();
    await expect(producer.send('late', [{ key: null, value: Buffer.from('y') }])).rejects.toThrow(/closed/);
  });
});
