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

type Row = [
  offset: number,
  timestamp: number,
  bytes: Buffer,
  valueLength: number | null,
  keyLength: number | null,
  headersLength: number | null,
];

/** The reader over `store`. */
export function createReader(store: Store): Reader {
  // One BLOB per record (value, key and headers concatenated, split by their lengths) instead of
  // three: better-sqlite3 copies every BLOB into a Buffer of its own, ~1 µs each, a third of a
  // poll's cost. `||` on BLOBs keeps their bytes (it types the result TEXT; the CAST gives them back
  // unchanged, NULs and invalid UTF-8 included: reader.test.ts); a NULL part has a NULL length.
  const selectRange = store
    .statement(
      `SELECT id - ${recordId('?', '0')}, timestamp, ` +
        "CAST(coalesce(value, x'') || coalesce(key, x'') || coalesce(headers, x'') AS BLOB), " +
        'length(value), length(key), length(headers) FROM records ' +
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
        const [offset, timestamp, bytes, valueLength, keyLength, headersLength] = rows[i]!;
        const keyAt = valueLength ?? 0;
        const headersAt = keyAt + (keyLength ?? 0);
        records[i] = new StoredRecord(
          topic,
          partition,
          offset,
          timestamp,
          keyLength === null ? null : view(bytes, keyAt, keyLength),
          valueLength === null ? null : view(bytes, 0, valueLength),
          headersLength === null ? null : view(bytes, headersAt, headersLength),
        );
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

/** `length` bytes of `bytes` from `at`, without a copy (Buffer.from over the memory: cheaper than subarray). */
function view(bytes: Buffer, at: number, length: number): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + at, length);
}

/**
 * A record as read, with its headers decoded on first access: most readers never look at them (a
 * sink takes the event id from the value), and decoding them for every record cost ~2 µs of the
 * ~7 µs a poll spent per record. Surprise kept small: `headers` is a getter on the prototype, so a
 * spread (`{ ...record }`) does not copy it; `toJSON` includes it.
 */
class StoredRecord implements LogRecord {
  #headers: Buffer | Record<string, Buffer> | null;
  #decoded = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    headers: Buffer | null,
  ) {
    this.#headers = headers;
  }

  get headers(): Record<string, Buffer> {
    if (!this.#decoded) {
      this.#headers = decodeHeaders(this.#headers as Buffer | null);
      this.#decoded = true;
    }
    return this.#headers as Record<string, Buffer>;
  }

  toJSON(): LogRecord {
    const { topic, partition, offset, timestamp, key, value, headers } = this;
    return { topic, partition, offset, timestamp, key, value, headers };
  }
}
