/**
 * The read path: range scans of one partition, and the time index lookup behind
 * offsetsForTimestamp, replay and retention.
 */
import type { LogRecord } from '../contract.js';
import { decodeHeaders } from './records.js';
import { recordId } from './schema.js';
import type { Store } from './store.js';
import type { Partition } from './topics.js';

/** Reads over a {@link Store}. */
export interface Reader {
  /** Up to `limit` records of a partition in offset order, from offset `from` on (gaps skipped). */
  read(topic: string, partition: Pick<Partition, 'id' | 'partition'>, from: number, limit: number): LogRecord[];
  /** The first offset whose timestamp is ≥ `timestamp`, or the end offset when there is none. */
  offsetForTimestamp(partition: Partition, timestamp: number): number;
}

type Row = [offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: Buffer | null];

/** The reader over `store`. */
export function createReader(store: Store): Reader {
  const selectRange = store
    .statement(
      `SELECT id - ${recordId('?', '0')}, timestamp, key, value, headers FROM records ` +
        `WHERE id >= ${recordId('?', '?')} AND id < ${recordId('(? + 1)', '0')} ORDER BY id LIMIT ?`,
    )
    .raw(true);
  const selectIndexEntry = store
    .statement(
      'SELECT first_offset FROM time_index WHERE partition_id = ? AND max_timestamp >= ? ORDER BY max_timestamp LIMIT 1',
    )
    .pluck();
  const selectFirstAtOrAfter = store
    .statement(
      `SELECT id - ${recordId('?', '0')} FROM records WHERE id >= ${recordId('?', '?')} ` +
        `AND id < ${recordId('(? + 1)', '0')} AND timestamp >= ? ORDER BY id LIMIT 1`,
    )
    .pluck();

  return {
    read(topic, { id, partition }, from, limit) {
      const rows = store.read(() => selectRange.all(id, id, from, id, limit)) as Row[];
      const records: LogRecord[] = new Array<LogRecord>(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const [offset, timestamp, key, value, headers] = rows[i]!;
        records[i] = { topic, partition, offset, timestamp, key, value, headers: decodeHeaders(headers) };
      }
      return records;
    },

    offsetForTimestamp(partition, timestamp) {
      return store.read(() => {
        const entry = selectIndexEntry.get(partition.id, timestamp) as number | undefined;
        if (entry === undefined) return partition.nextOffset;
        const from = Math.max(entry, partition.startOffset);
        const found = selectFirstAtOrAfter.get(partition.id, partition.id, from, partition.id, timestamp) as
          number | undefined;
        return found ?? partition.nextOffset;
      });
    },
  };
}
