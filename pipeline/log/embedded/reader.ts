/**
 * The read path: range scans of one partition, and the time index lookup behind
 * offsetsForTimestamp, replay and retention.
 */
import { PipelineError } from '../../errors/index.js';
import type { LogRecord } from '../contract.js';
import { decodeHeaders } from './records.js';
import { recordId } from './schema.js';
import type { Store } from './store.js';
import type { Partition } from './topics.js';

/** Reads over a {@link Store}. */
export interface Reader {
  /**
   * Up to `limit` records of a partition in offset order, from offset `from` on (gaps skipped).
   * With `shared`, their buffers are views of one buffer (ConsumerOptions.sharedBuffers).
   */
  read(
    topic: string,
    partition: Pick<Partition, 'id' | 'partition'>,
    from: number,
    limit: number,
    shared?: boolean,
  ): LogRecord[];
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

/** A poll's rows: partition id, from offset, partition id again, limit (bound in that order). */
const RANGE = `WHERE id >= ${recordId('?', '?')} AND id < ${recordId('(? + 1)', '0')} ORDER BY id LIMIT ?`;

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
        RANGE,
    )
    .raw(true);
  // The same range as one BLOB: each record framed as "offset timestamp valueLength keyLength
  // headersLength|" in ASCII (-1 for a NULL part), then its value, key and headers. One Buffer per
  // read instead of one per record: 0.97 against 2.34 µs CPU per record for polls of 10 000
  // ScenarioExecutions (bench/log/shared-read.ts). group_concat does not promise the subquery's
  // order, so the parser checks the offsets and sorts when they are not ascending.
  const selectRangeShared = store
    .statement(
      "SELECT CAST(group_concat(printf('%d %d %d %d %d|', offset, timestamp, " +
        'coalesce(length(value), -1), coalesce(length(key), -1), coalesce(length(headers), -1)) || ' +
        "coalesce(value, x'') || coalesce(key, x'') || coalesce(headers, x''), '') AS BLOB) FROM (" +
        `SELECT id - ${recordId('?', '0')} AS offset, timestamp, value, key, headers FROM records ` +
        `${RANGE})`,
    )
    .pluck();
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

  /** The shared read, or null when the read's bytes exceed SQLite's BLOB limit (1 GB): the caller reads a BLOB per record. */
  const readShared = (
    topic: string,
    id: number,
    partition: number,
    from: number,
    limit: number,
  ): LogRecord[] | null => {
    let bytes: Buffer | null;
    try {
      bytes = store.read(() => selectRangeShared.get(id, id, from, id, limit)) as Buffer | null;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_TOOBIG') return null;
      throw error;
    }
    return bytes === null ? [] : parseFramed(topic, partition, bytes);
  };

  return {
    read(topic, { id, partition }, from, limit, shared = false) {
      if (shared) {
        const records = readShared(topic, id, partition, from, limit);
        if (records) return records;
      }
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

/** The records of a shared read's BLOB (see `selectRangeShared`), in offset order. */
export function parseFramed(topic: string, partition: number, bytes: Buffer): LogRecord[] {
  const records: StoredRecord[] = [];
  let at = 0;
  let ascending = true;
  let previous = -1;
  const number = (): number => {
    let negative = false;
    let code = bytes[at]!;
    if (code === 45) {
      negative = true;
      code = bytes[++at]!;
    }
    let value = 0;
    while (code >= 48 && code <= 57) {
      value = value * 10 + (code - 48);
      code = bytes[++at]!;
    }
    at++; // the space or '|' after it
    return negative ? -value : value;
  };
  const part = (length: number): Buffer | null => {
    if (length < 0) return null;
    const buffer = view(bytes, at, length);
    at += length;
    return buffer;
  };
  while (at < bytes.length) {
    const offset = number();
    const timestamp = number();
    const valueLength = number();
    const keyLength = number();
    const headersLength = number();
    const value = part(valueLength);
    const key = part(keyLength);
    const headers = part(headersLength);
    if (offset <= previous) ascending = false;
    previous = offset;
    records.push(new StoredRecord(topic, partition, offset, timestamp, key, value, headers));
  }
  if (at !== bytes.length) {
    throw new PipelineError(
      `A shared read of the embedded log framed ${at} bytes of ${bytes.length}: the file is damaged.`,
      {
        stage: 'log',
        component: 'log.embedded',
      },
    );
  }
  return ascending ? records : records.sort((a, b) => a.offset - b.offset);
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
