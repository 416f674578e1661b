/**
 * The write path shared by producers and transactions: assigns offsets, inserts records and keeps
 * each partition's end offset and time index. Runs inside the caller's write transaction.
 */
import { PipelineError } from '../../errors/index.js';
import type { TopicPartitionOffset } from '../contract.js';
import type { EncodedRecord } from './records.js';
import { MAX_OFFSET, recordId } from './schema.js';
import type { Store } from './store.js';
import type { Topic } from './topics.js';

/** Appends checked records; call inside `store.write`. */
export type Append = (topic: Topic, records: readonly EncodedRecord[]) => TopicPartitionOffset[];

interface PartitionCursor {
  readonly id: number;
  readonly firstOffset: number;
  nextOffset: number;
  readonly previousMax: number | null;
  batchMax: number;
}

/** The append function over `store`. */
export function createAppend(store: Store): Append {
  const selectPartition = store.statement(
    'SELECT id, next_offset AS nextOffset, max_timestamp AS maxTimestamp FROM partitions WHERE topic_id = ? AND partition = ?',
  );
  const insertRecord = store.statement(
    `INSERT INTO records (id, timestamp, key, value, headers) VALUES (${recordId('?', '?')}, ?, ?, ?, ?)`,
  );
  const updatePartition = store.statement('UPDATE partitions SET next_offset = ?, max_timestamp = ? WHERE id = ?');
  const insertTimeIndex = store.statement(
    'INSERT INTO time_index (partition_id, max_timestamp, first_offset) VALUES (?, ?, ?)',
  );

  return (topic, records) => {
    const cursors: (PartitionCursor | undefined)[] = new Array<PartitionCursor | undefined>(topic.partitions);
    const offsets: TopicPartitionOffset[] = new Array<TopicPartitionOffset>(records.length);
    for (let index = 0; index < records.length; index++) {
      const record = records[index]!;
      let cursor = cursors[record.partition];
      if (!cursor) {
        const row = selectPartition.get(topic.id, record.partition) as
          { id: number; nextOffset: number; maxTimestamp: number | null } | undefined;
        if (!row) {
          throw new PipelineError(
            `Partition ${record.partition} of topic "${topic.name}" is missing in ${store.path}.`,
          );
        }
        cursor = {
          id: row.id,
          firstOffset: row.nextOffset,
          nextOffset: row.nextOffset,
          previousMax: row.maxTimestamp,
          batchMax: -Infinity,
        };
        cursors[record.partition] = cursor;
      }
      const offset = cursor.nextOffset++;
      if (offset > MAX_OFFSET) {
        throw new PipelineError(
          `Partition ${record.partition} of topic "${topic.name}" is full (${MAX_OFFSET} offsets).`,
        );
      }
      insertRecord.run(cursor.id, offset, record.timestamp, record.key, record.value, record.headers);
      if (record.timestamp > cursor.batchMax) cursor.batchMax = record.timestamp;
      offsets[index] = { topic: topic.name, partition: record.partition, offset };
    }
    for (const cursor of cursors) {
      if (!cursor) continue;
      const raisesMax = cursor.previousMax === null || cursor.batchMax > cursor.previousMax;
      if (raisesMax) insertTimeIndex.run(cursor.id, cursor.batchMax, cursor.firstOffset);
      updatePartition.run(cursor.nextOffset, raisesMax ? cursor.batchMax : cursor.previousMax, cursor.id);
    }
    return offsets;
  };
}
