/**
 * The receiver over the embedded log with its write thread (`writeThread`, the log's appends and
 * fsync off the event loop): concurrent batches are each answered 202 only once their records are
 * committed (visible to another handle at once), with the deterministic event ids, keyed by scenarioId.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { executionEventId } from '../../../pipeline/ids.js';
import type { EmbeddedEventLog } from '../../../pipeline/log/embedded/index.js';
import { temporaryLog, type TemporaryLog } from '../../../pipeline/log/embedded/testing/temporary-log.js';
import { createAvroSerde, createEmbeddedSchemaStore, type SchemaStore } from '../../../pipeline/serde/index.js';
import type { ScenarioExecution } from '../../../schemas/generated/types.js';
import { bearerToken, executionReport, readTopic, receiverTopics, startTestReceiver } from './testing.js';

const topic = 'make.executions.raw.v1';
const bearer = { 'content-type': 'application/json', authorization: `Bearer ${bearerToken}` };

describe('POST /v1/executions on the embedded log with its write thread', () => {
  let temporary: TemporaryLog;
  let store: SchemaStore;
  let log: EmbeddedEventLog;
  let observer: EmbeddedEventLog;

  beforeAll(async () => {
    temporary = temporaryLog();
    store = createEmbeddedSchemaStore({ database: `${temporary.directory}/schemas.db` });
    log = temporary.open({ writeThread: true, maintenanceIntervalMs: 0 });
    await log.createTopics(receiverTopics);
    // A second handle (its own connection): sees only what the thread committed.
    observer = temporary.open({ maintenanceIntervalMs: 0 });
  });
  afterAll(async () => {
    await store.close();
    await temporary.remove();
  });

  it('answers each concurrent batch 202 only once its records are committed, with their event ids', async () => {
    const serde = createAvroSerde({ store });
    const receiver = await startTestReceiver(log, serde, { log: { probeIntervalMs: 100 } });
    try {
      const batches = Array.from({ length: 8 }, (_, batch) =>
        Array.from({ length: 50 }, (_, index) =>
          executionReport({
            executionId: (batch * 1000 + index + 1).toString(16).padStart(8, '0'),
            scenarioId: 100 + (index % 7),
          }),
        ),
      );
      const committed = async (): Promise<number> =>
        (await observer.endOffsets(topic)).reduce((sum, partition) => sum + partition.offset, 0);
      const seenAt202 = await Promise.all(
        batches.map(async (reports) => {
          const response = await receiver.post('/v1/executions', JSON.stringify(reports), bearer);
          expect(response).toMatchObject({ status: 202, body: { accepted: 50, rejected: 0 } });
          return committed();
        }),
      );
      // Each 202 came after its own 50 records were committed, whatever else was in flight.
      for (const seen of seenAt202) expect(seen).toBeGreaterThanOrEqual(50);
      expect(await committed()).toBe(400);

      const records = await readTopic<ScenarioExecution>(observer, serde, topic, 400);
      expect(records).toHaveLength(400);
      const expected = batches.flat().map((report) =>
        executionEventId({
          zone: 'eu1.make.com',
          scenarioId: report.scenarioId as number,
          executionId: report.executionId as string,
        }),
      );
      expect(records.map((record) => record.decoded.eventId).sort()).toEqual([...expected].sort());
      for (const record of records) {
        expect(record.key?.toString()).toBe(String(record.decoded.scenarioId));
        expect(record.headers['event-id']?.toString()).toBe(record.decoded.eventId);
      }
    } finally {
      await receiver.source.stop();
    }
  });
});
