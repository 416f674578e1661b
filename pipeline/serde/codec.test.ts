import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { InvalidRecordError } from '../errors/index.js';
import { parseAvroSchema } from './avro.js';
import { createFramedEncoder, decodeFramedBody } from './codec.js';
import { RecordValidationError } from './errors.js';
import { encodeWireFormat } from './wire-format.js';

const type = parseAvroSchema({
  type: 'record',
  name: 'Event',
  namespace: 'test.v1',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'count', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
});

describe('framed encoder', () => {
  it('writes exactly the bytes of the wire format around toBuffer', () => {
    const encode = createFramedEncoder(type, 7, 'Record');
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.option(fc.string({ maxLength: 300 })),
        (id, count, note) => {
          const value = { id, count, note };
          expect(encode(value)).toEqual(encodeWireFormat(7, type.toBuffer(value)));
        },
      ),
    );
  });

  it('never writes over a value it returned, across slab boundaries', () => {
    const encode = createFramedEncoder(type, 1, 'Record');
    // ~3 MB in all: dozens of slabs filled and replaced, values split at every offset.
    const values = Array.from({ length: 20_000 }, (_, index) => ({
      id: `event-${index}`,
      count: index,
      note: index % 7 === 0 ? null : 'n'.repeat(index % 300),
    }));
    const encoded = values.map((value) => encode(value));
    const wrong = values.filter((value, index) => !encoded[index]!.equals(encodeWireFormat(1, type.toBuffer(value))));
    expect(wrong).toEqual([]);
  });

  it('gives a value larger than a slab a slab of its own size', () => {
    const encode = createFramedEncoder(type, 3, 'Record');
    const large = { id: 'x'.repeat(200_000), count: 1, note: 'y'.repeat(70_000) };
    expect(encode(large)).toEqual(encodeWireFormat(3, type.toBuffer(large)));
    // Smaller values after the growth still come out exact.
    expect(encode({ id: 'z', count: 2, note: null })).toEqual(
      encodeWireFormat(3, type.toBuffer({ id: 'z', count: 2, note: null })),
    );
  });

  it('names the fields at fault of a value its schema refuses', () => {
    const encode = createFramedEncoder(type, 3, 'Record for topic "t"');
    const bad = () => encode({ id: 5, count: 1.5, note: null });
    expect(bad).toThrow(RecordValidationError);
    expect(bad).toThrow('Record for topic "t" does not match its schema test.v1.Event: id: expected string');
  });

  it('refuses a schema id the wire format cannot carry', () => {
    expect(() => createFramedEncoder(type, 2 ** 31, 'Record')).toThrow(/does not fit the wire format/);
  });
});

describe('framed body decoder', () => {
  const framed = encodeWireFormat(9, type.toBuffer({ id: 'e1', count: 42, note: 'n' }));

  it('reads the body in place after the 5-byte header', () => {
    expect(decodeFramedBody(type, framed, null, 'record')).toEqual({ id: 'e1', count: 42, note: 'n' });
  });

  it('reads through a resolver when the writer schema differs', () => {
    const older = parseAvroSchema({
      type: 'record',
      name: 'Event',
      namespace: 'test.v1',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'count', type: 'int' },
      ],
    });
    const written = encodeWireFormat(2, older.toBuffer({ id: 'old', count: 3 }));
    const resolver = type.createResolver(older);
    expect(decodeFramedBody(type, written, resolver, 'record')).toEqual({ id: 'old', count: 3, note: null });
  });

  it('says truncated, trailing or what avsc found, as InvalidRecordError naming the record', () => {
    const decode = (value: Buffer) => () => decodeFramedBody(type, value, null, 'record of topic "t"');
    expect(decode(framed.subarray(0, framed.length - 1))).toThrow(
      'Cannot decode the record of topic "t": truncated buffer.',
    );
    expect(decode(Buffer.concat([framed, Buffer.from([0])]))).toThrow(/: trailing data\.$/);
    // A union branch index out of range: avsc throws while reading.
    const garbage = Buffer.from([0, 0, 0, 0, 9, 2, 0x61, 2, 0x7f]);
    expect(decode(garbage)).toThrow(InvalidRecordError);
  });
});
