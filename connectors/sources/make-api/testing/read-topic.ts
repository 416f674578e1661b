/**
 * Test support: reads a whole topic with a throwaway consumer group and decodes its Avro values.
 */
import { randomUUID } from 'node:crypto';
import type { EventLog, LogRecord } from '../../../../pipeline/log/contract.js';
import type { AvroSerde } from '../../../../pipeline/serde/index.js';

/** Every record of `topic` up to its current end, decoded with the writer's schema. */
export async function readTopic<T>(
  log: EventLog,
  serde: AvroSerde,
  topic: string,
  timeoutMs = 30_000,
): Promise<{ record: LogRecord; value: T }[]> {
  const ends = await log.endOffsets(topic);
  const total = ends.reduce((sum, end) => sum + end.offset, 0);
  if (total === 0) return [];
  const consumer = await log.consumer({
    groupId: `test-read-${randomUUID()}`,
    topics: [topic],
    startFrom: 'earliest',
    maxRecords: 5000,
  });
  const next = new Map<number, number>();
  const out: { record: LogRecord; value: T }[] = [];
  const deadline = Date.now() + timeoutMs;
  // On Kafka, transaction markers take offsets after the last record: no record reaches the end
  // offset then, so a few empty polls in a row also end the read, once records came (joining the
  // group takes a few empty polls first).
  let emptyPolls = 0;
  try {
    while (ends.some((end) => (next.get(end.partition) ?? 0) < end.offset) && Date.now() < deadline && emptyPolls < 4) {
      const records = await consumer.poll(500);
      emptyPolls = records.length === 0 && out.length > 0 ? emptyPolls + 1 : 0;
      for (const record of records) {
        next.set(record.partition, record.offset + 1);
        if (record.value) out.push({ record, value: (await serde.decode(record.value)) as T });
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}
