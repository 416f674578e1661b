/**
 * Records between the contract's shapes and kafkajs's: sizes, partitions (Kafka's murmur2 for
 * keys, so Java and librdkafka agree), produce messages and consumed records.
 */
import type { KafkaMessage, Message } from 'kafkajs';
import { InvalidRecordError } from '../../errors/index.js';
import type { LogRecord, OutgoingRecord } from '../contract.js';
import { murmur2, toPositive } from '../partitioner.js';

const component = 'log.kafka';

/** Size of a record as the contract counts it: key + value + header names and values (bytes). */
export function recordBytes(record: Pick<OutgoingRecord, 'key' | 'value' | 'headers'>): number {
  let bytes = byteLength(record.key) + byteLength(record.value);
  if (record.headers) {
    for (const [name, value] of Object.entries(record.headers)) bytes += Buffer.byteLength(name) + byteLength(value);
  }
  return bytes;
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/**
 * Upper estimate of a record's encoded size inside a Kafka record batch (v2 format): its bytes
 * plus varint lengths, offset and timestamp deltas and attributes.
 */
export function encodedRecordBytes(record: OutgoingRecord): number {
  const headerCount = record.headers ? Object.keys(record.headers).length : 0;
  return recordBytes(record) + 24 + 10 * headerCount;
}

/** Bytes of a record batch header (magic v2), which max.message.bytes also counts. */
export const RECORD_BATCH_OVERHEAD = 61;

/** A string key as bytes and its murmur2 hash (sign bit cleared), cached by the partition chooser. */
interface HashedKey {
  readonly bytes: Buffer;
  readonly hash: number;
}

/** String keys remembered by one chooser; the cache is emptied when it reaches this size. */
const KEY_CACHE_ENTRIES = 8192;

/**
 * Picks partitions for the records of one send: the explicit partition, else murmur2 of the key,
 * else one partition for all unkeyed records of the send, rotating between sends (Kafka's sticky
 * behaviour, which keeps batches large). With `keysOut`, also leaves there each record's key as
 * the bytes it was hashed as (null for none), so a caller that needs them does not encode twice.
 *
 * String keys repeat (scenario ids, zones), so their UTF-8 bytes and hash are cached (bounded):
 * the Buffers in `keysOut` may therefore be shared between records and sends, and must not be
 * written to.
 */
export function createPartitionChooser(): (
  topic: string,
  records: readonly OutgoingRecord[],
  partitions: number,
  keysOut?: (Buffer | null)[],
) => number[] {
  const rotation = new Map<string, number>();
  const hashed = new Map<string, HashedKey>();
  const hashedKey = (key: string): HashedKey => {
    let found = hashed.get(key);
    if (found === undefined) {
      if (hashed.size >= KEY_CACHE_ENTRIES) hashed.clear();
      const bytes = Buffer.from(key, 'utf8');
      found = { bytes, hash: toPositive(murmur2(bytes)) };
      hashed.set(key, found);
    }
    return found;
  };
  return (topic, records, partitions, keysOut) => {
    let sticky: number | undefined;
    const chosen = new Array<number>(records.length);
    for (let index = 0; index < records.length; index++) {
      const record = records[index]!;
      const given = record.key;
      let key: Buffer | null = null;
      let hash = -1;
      if (typeof given === 'string') {
        const cached = hashedKey(given);
        key = cached.bytes;
        hash = cached.hash;
      } else if (given !== null && given !== undefined) {
        key = given;
      }
      if (keysOut) keysOut[index] = key;
      if (record.partition !== undefined) {
        if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= partitions) {
          throw new InvalidRecordError(
            `records[${index}].partition is ${String(record.partition)}, but topic "${topic}" has partitions 0–${partitions - 1}.`,
            { stage: 'log', component },
          );
        }
        chosen[index] = record.partition;
      } else if (key !== null) {
        chosen[index] = (hash >= 0 ? hash : toPositive(murmur2(key))) % partitions;
      } else {
        if (sticky === undefined) {
          const next = rotation.get(topic) ?? Math.floor(Math.random() * partitions);
          sticky = next % partitions;
          rotation.set(topic, (sticky + 1) % partitions);
        }
        chosen[index] = sticky;
      }
    }
    return chosen;
  };
}

/** The kafkajs message for a record with its partition and timestamp decided. */
export function toMessage(
  record: OutgoingRecord,
  partition: number,
  timestamp: number,
): Message & { partition: number } {
  return {
    key: record.key,
    value: record.value,
    partition,
    timestamp: String(timestamp),
    ...(record.headers ? { headers: { ...record.headers } } : {}),
  };
}

/** A consumed kafkajs message as a LogRecord (repeated header names: the last value wins, like Java's lastHeader). */
export function toLogRecord(topic: string, partition: number, message: KafkaMessage): LogRecord {
  const headers: Record<string, Buffer> = {};
  const given = message.headers;
  if (given) {
    // for…in, not Object.entries: no array per record (most records have no headers).
    for (const name in given) {
      const value = given[name];
      const last = Array.isArray(value) ? value.at(-1) : value;
      if (last === undefined) continue;
      headers[name] = typeof last === 'string' ? Buffer.from(last) : last;
    }
  }
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
    timestamp: Number(message.timestamp),
  };
}
