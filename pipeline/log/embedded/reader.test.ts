import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { OutgoingRecord } from '../contract.js';
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

  it('reads back every key, value and header byte for byte, null apart from empty', async () => {
    const log = file.open();
    await log.createTopics([{ name: 'bytes', partitions: 1 }]);
    const producer = await log.producer();
    const consumer = await log.consumer({ groupId: 'reader', topics: ['bytes'] });
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
