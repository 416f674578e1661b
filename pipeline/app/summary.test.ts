import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedLog } from '../log/embedded/index.js';
import { formatProgress, readProgress } from './summary.js';

describe('pipeline progress summary', () => {
  it('counts records in, consumed and lag per stage from the log', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'summary-'));
    const log = createEmbeddedLog({ path: join(directory, 'log.db') });
    try {
      await log.createTopics([
        { name: 'in', partitions: 2 },
        { name: 'out', partitions: 1 },
      ]);
      const producer = await log.producer();
      await producer.send(
        'in',
        Array.from({ length: 10 }, (_, index) => ({ key: `k${index}`, value: Buffer.from('x') })),
      );
      await producer.send('out', [{ key: 'a', value: Buffer.from('y') }]);
      const consumer = await log.consumer({ groupId: 'g-enrich', topics: ['in'] });
      const records = await consumer.poll(2000);
      const first = records.filter((record) => record.partition === records[0]!.partition).slice(0, 3);
      await consumer.commit([{ topic: 'in', partition: first[0]!.partition, offset: first.at(-1)!.offset + 1 }]);
      await consumer.close();

      const progress = await readProgress(
        log,
        ['in', 'missing-topic'],
        [
          { name: 'enrich', kind: 'processor', groupId: 'g-enrich', topics: ['in'] },
          { name: 'clickhouse', kind: 'sink', groupId: 'g-ch', topics: ['out'] },
        ],
      );
      expect(progress).toEqual({
        eventsIn: 10,
        stages: [
          { name: 'enrich', kind: 'processor', consumed: 3, lag: 7 },
          { name: 'clickhouse', kind: 'sink', consumed: 0, lag: 1 },
        ],
      });
      expect(formatProgress(progress)).toBe('in 10 · enrich 3 (lag 7) · clickhouse 0 (lag 1)');
      await producer.close();
    } finally {
      await log.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
