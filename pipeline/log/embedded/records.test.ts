/**
 * The stored header format: what encodeRecords writes is byte-identical to the format's reference
 * (u32 count, then per header u32 name length, name, u32 value length, value; big-endian) and
 * decodeHeaders reads it back, for any names and values (strings with any code points, binary).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { HeaderValue } from '../contract.js';
import { decodeHeaders, encodeRecords } from './records.js';
import type { Topic } from './topics.js';

const topic: Topic = {
  id: 1,
  name: 'headers',
  partitions: 1,
  retentionMs: null,
  compacted: false,
  maxRecordBytes: 1_048_576,
};

/** The format written the straightforward way (the implementation before the one-allocation encoder). */
function reference(headers: Record<string, HeaderValue>): Buffer | null {
  const entries = Object.entries(headers);
  if (entries.length === 0) return null;
  const parts: Buffer[] = [];
  for (const [name, value] of entries) {
    parts.push(Buffer.from(name, 'utf8'), typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value));
  }
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length);
  return Buffer.concat([
    count,
    ...parts.flatMap((part) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(part.length);
      return [length, part];
    }),
  ]);
}

const headerValue = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
);
const headersArbitrary = fc.dictionary(fc.string({ unit: 'binary', maxLength: 20 }), headerValue, { maxKeys: 5 });

describe('embedded log header encoding', () => {
  it('writes the reference bytes and reads them back', () => {
    fc.assert(
      fc.property(headersArbitrary, (headers) => {
        const [encoded] = encodeRecords(topic, [{ key: null, value: Buffer.from('v'), headers }], 0, () => 0);
        const expected = reference(headers);
        if (expected === null) expect(encoded!.headers).toBeNull();
        else expect(encoded!.headers!.equals(expected)).toBe(true);
        const decoded = decodeHeaders(encoded!.headers);
        expect(Object.keys(decoded)).toEqual(Object.keys(headers));
        for (const [name, value] of Object.entries(headers)) {
          const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
          expect(decoded[name]!.equals(bytes)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a header value that is neither a string nor bytes, naming the header', () => {
    const headers = { 'event-id': 42 } as unknown as Record<string, HeaderValue>;
    expect(() => encodeRecords(topic, [{ key: null, value: null, headers }], 0, () => 0)).toThrow(
      /header "event-id" of type number/,
    );
  });
});
