import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { OutgoingRecord } from '../contract.js';
import { parseFramed } from './reader.js';
import { temporaryLog, type TemporaryLog } from './testing/temporary-log.js';

/**
 * The read path returns value, key and headers from one concatenated BLOB per record (reader.ts):
 * every byte, NUL and invalid UTF-8 included, and null apart from empty, must come back as sent.
 */
describe('embedded log reader', () => {
  let file: TemporaryLog;

  beforeEach(() => {
    file = temporaryLog();
  });

  afterEach(async () => {
    await file.remove();
  });

  const bytes = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null, freq: 4 });
  const headers = fc.option(
    fc.dictionary(
      fc.oneof(fc.constantFrom('traceparent', 'event-id', '__proto__', ''), fc.string({ maxLength: 12 })),
      fc.uint8Array({ maxLength: 60 }),
      { maxKeys: 4 },
    ),
    { nil: undefined, freq: 4 },
  );
  const record = fc.record({ key: bytes, value: bytes, headers });

  it.each([false, true])(
    'reads back every key, value and header byte for byte, null apart from empty (sharedBuffers %s)',
    async (sharedBuffers) => {
      const log = file.open();
      await log.createTopics([{ name: 'bytes', partitions: 1 }]);
      const producer = await log.producer();
      const consumer = await log.consumer({ groupId: 'reader', topics: ['bytes'], sharedBuffers });
      let offset = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 20 }), async (sent) => {
          const outgoing: OutgoingRecord[] = sent.map(({ key, value, headers: sentHeaders }) => ({
            key: key === null ? null : Buffer.from(key),
            value: value === null ? null : Buffer.from(value),
            ...(sentHeaders ? { headers: headersOf(sentHeaders) } : {}),
            partition: 0,
          }));
          await producer.send('bytes', outgoing);
          const read = await consumer.poll(1000);
          expect(read).toHaveLength(sent.length);
          expect(read.map((got) => got.offset)).toEqual(sent.map((_, i) => offset + i));
          offset += sent.length;
          read.forEach((got, i) => {
            const { key, value, headers: sentHeaders } = sent[i]!;
            expect(got.key === null ? null : [...got.key]).toEqual(key === null ? null : [...key]);
            expect(got.value === null ? null : [...got.value]).toEqual(value === null ? null : [...value]);
            const gotHeaders = Object.entries(got.headers).map(([name, v]) => [name, [...v]]);
            expect(gotHeaders).toEqual(Object.entries(headersOf(sentHeaders ?? {})).map(([n, v]) => [n, [...v]]));
          });
        }),
        { numRuns: 60 },
      );
      await consumer.close();
      await producer.close();
      await log.close();
    },
  );

  it('shares one buffer per poll with sharedBuffers, and keeps timestamps and offsets across polls', async () => {
    const log = file.open();
    await log.createTopics([{ name: 'shared', partitions: 1 }]);
    const producer = await log.producer();
    const sent = Array.from({ length: 25 }, (_, i) => ({
      key: `k${i}`,
      value: Buffer.from(`v${i}`),
      timestamp: 1_700_000_000_000 + i,
      partition: 0,
    }));
    await producer.send('shared', sent);
    const consumer = await log.consumer({ groupId: 'shared', topics: ['shared'], sharedBuffers: true, maxRecords: 10 });
    const polls = [await consumer.poll(1000), await consumer.poll(1000), await consumer.poll(1000)];
    expect(polls.map((poll) => poll.length)).toEqual([10, 10, 5]);
    const read = polls.flat();
    expect(
      read.map((record) => [record.offset, record.timestamp, record.key!.toString(), record.value!.toString()]),
    ).toEqual(sent.map((record, i) => [i, record.timestamp, record.key, record.value.toString()]));
    for (const poll of polls) expect(new Set(poll.map((record) => record.value!.buffer)).size).toBe(1);
    await consumer.close();
    await producer.close();
    await log.close();
  });
  it('serialises a record with its headers (they are decoded on first access)', async () => {
    const log = file.open();
    await log.createTopics([{ name: 'json', partitions: 1 }]);
    const producer = await log.producer();
    await producer.send('json', [{ key: 'k', value: Buffer.from('v'), headers: { 'event-id': 'e-1' } }]);
    const consumer = await log.consumer({ groupId: 'json', topics: ['json'] });
    const [record] = await consumer.poll(1000);
    const json = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
    expect(json).toMatchObject({ topic: 'json', partition: 0, offset: 0, headers: { 'event-id': { type: 'Buffer' } } });
    expect(record!.headers['event-id']!.toString()).toBe('e-1');
    await consumer.close();
    await producer.close();
    await log.close();
  });
});

describe('parseFramed (the shared read)', () => {
  const frame = (offset: number, value: string, key: string | null): Buffer =>
    Buffer.concat([
      Buffer.from(`${offset} ${1000 + offset} ${value.length} ${key === null ? -1 : key.length} -1|`),
      Buffer.from(value),
      Buffer.from(key ?? ''),
    ]);

  it('puts records back in offset order when SQLite concatenated them in another', () => {
    const bytes = Buffer.concat([frame(7, 'seven', 'k7'), frame(5, 'five', null), frame(6, '', 'k6')]);
    const records = parseFramed('t', 0, bytes);
    expect(records.map((r) => [r.offset, r.timestamp, r.value?.toString(), r.key?.toString() ?? null])).toEqual([
      [5, 1005, 'five', null],
      [6, 1006, '', 'k6'],
      [7, 1007, 'seven', 'k7'],
    ]);
  });

  it('refuses framing that does not add up to the bytes read', () => {
    const bytes = frame(1, 'value', 'key');
    expect(() => parseFramed('t', 0, bytes.subarray(0, bytes.length - 1))).toThrow(/damaged/);
  });
});

/** Headers as a null-prototype-safe record of Buffers ("__proto__" stays a header). */
function headersOf(entries: Record<string, Uint8Array>): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(entries)) {
    Object.defineProperty(out, name, {
      value: Buffer.from(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
