/**
 * Outgoing records as stored: checked (size, partition, key on compacted topics), partitioned and
 * encoded, before anything of a send is written. Also the stored header format.
 *
 * Headers are stored as one BLOB: u32 count, then per header u32 name length, UTF-8 name, u32 value
 * length, value bytes (big-endian lengths). No headers at all is stored as NULL.
 */
import { InvalidRecordError } from '../../errors/index.js';
import type { HeaderValue, OutgoingRecord } from '../contract.js';
import { partitionForKey } from '../partitioner.js';
import type { Topic } from './topics.js';

/** A record ready to be inserted. */
export interface EncodedRecord {
  readonly partition: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Buffer | null;
}

const component = 'log.embedded';

/**
 * Checks and encodes every record of one send to `topic`; throws InvalidRecordError on the first bad
 * one, so that nothing of the send is written. `unkeyedPartition` picks partitions for records
 * without key or explicit partition.
 */
export function encodeRecords(
  topic: Topic,
  records: readonly OutgoingRecord[],
  now: number,
  unkeyedPartition: () => number,
): EncodedRecord[] {
  const encoded: EncodedRecord[] = new Array<EncodedRecord>(records.length);
  // No closure per record: tsx (esbuild keepNames) names every function created, which showed in profiles.
  const invalid: Invalid = { topic: topic.name, index: 0 };
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    invalid.index = index;
    const key = toBuffer(record.key, 'key', invalid);
    const value = toBuffer(record.value, 'value', invalid);
    const headers = encodeHeaders(record.headers, invalid);
    const size = (key?.length ?? 0) + (value?.length ?? 0) + headers.size;
    if (size > topic.maxRecordBytes) {
      throw invalidRecord(
        invalid,
        `is ${size} bytes (key + value + headers), over the topic's limit of ${topic.maxRecordBytes} bytes ` +
          '(maxRecordBytes); split the payload, or create the topic with a larger maxRecordBytes',
      );
    }
    if (topic.compacted && key === null) {
      throw invalidRecord(invalid, 'has no key, but the topic is compacted (it keeps the latest record per key)');
    }
    const timestamp = record.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw invalidRecord(invalid, `has timestamp ${String(timestamp)}; use epoch milliseconds (a whole number ≥ 0)`);
    }
    let partition: number;
    if (record.partition !== undefined) {
      partition = record.partition;
      if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
        throw invalidRecord(
          invalid,
          `asks for partition ${String(partition)}, but the topic has partitions 0–${topic.partitions - 1}`,
        );
      }
    } else {
      partition = key === null ? unkeyedPartition() : partitionForKey(key, topic.partitions);
    }
    encoded[index] = { partition, timestamp, key, value, headers: headers.bytes };
  }
  return encoded;
}

/** Where a record is in its send, for the error that refuses it. */
interface Invalid {
  readonly topic: string;
  index: number;
}

function invalidRecord({ topic, index }: Invalid, problem: string): InvalidRecordError {
  return new InvalidRecordError(
    `Record ${index} of a send to topic "${topic}" ${problem}; nothing of this send was written.`,
    { stage: 'log', component },
  );
}

function toBuffer(
  data: string | Uint8Array | null | undefined,
  field: 'key' | 'value',
  invalid: Invalid,
): Buffer | null {
  if (data === null || data === undefined) return null;
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string' && field === 'key') return Buffer.from(data, 'utf8');
  throw invalidRecord(
    invalid,
    `has a ${field} of type ${typeof data}; use ${field === 'key' ? 'a string, a Buffer' : 'a Buffer'} or null`,
  );
}

function encodeHeaders(
  headers: Readonly<Record<string, HeaderValue>> | undefined,
  invalid: Invalid,
): { bytes: Buffer | null; size: number } {
  if (!headers) return NO_HEADERS;
  const names = Object.keys(headers);
  if (names.length === 0) return NO_HEADERS;
  // Two passes over the headers (sizes, then bytes written in place): one allocation per record
  // instead of two Buffers per header plus the result (one header per record on ingest: its event id).
  let size = 0;
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string') size += Buffer.byteLength(value, 'utf8');
    else if (value instanceof Uint8Array) size += value.byteLength;
    else throw invalidRecord(invalid, `has header "${name}" of type ${typeof value}; use a string or a Buffer`);
    size += Buffer.byteLength(name, 'utf8');
  }
  const bytes = Buffer.allocUnsafe(4 + 8 * names.length + size);
  let at = bytes.writeUInt32BE(names.length, 0);
  for (const name of names) {
    const nameLength = bytes.write(name, at + 4, 'utf8');
    bytes.writeUInt32BE(nameLength, at);
    at += 4 + nameLength;
    const value = headers[name]!;
    let valueLength: number;
    if (typeof value === 'string') valueLength = bytes.write(value, at + 4, 'utf8');
    else {
      bytes.set(value, at + 4);
      valueLength = value.byteLength;
    }
    bytes.writeUInt32BE(valueLength, at);
    at += 4 + valueLength;
  }
  return { bytes, size };
}

const NO_HEADERS: { bytes: Buffer | null; size: number } = Object.freeze({ bytes: null, size: 0 });

/** Headers as consumers see them, from their stored form (values are views of `bytes`). */
export function decodeHeaders(bytes: Buffer | null): Record<string, Buffer> {
  const headers: Record<string, Buffer> = {};
  if (bytes === null) return headers;
  const count = bytes.readUInt32BE(0);
  let at = 4;
  for (let i = 0; i < count; i++) {
    const nameLength = bytes.readUInt32BE(at);
    const name = bytes.toString('utf8', at + 4, at + 4 + nameLength);
    at += 4 + nameLength;
    const valueLength = bytes.readUInt32BE(at);
    // Buffer.from(arrayBuffer, …) rather than subarray (half the cost: no species lookup).
    const value = Buffer.from(bytes.buffer, bytes.byteOffset + at + 4, valueLength);
    // defineProperty, so that a header called "__proto__" stays a header.
    if (name === '__proto__') {
      Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
    } else headers[name] = value;
    at += 4 + valueLength;
  }
  return headers;
}
